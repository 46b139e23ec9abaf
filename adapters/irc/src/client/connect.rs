//! Opening the byte stream to a server: TCP, then TLS (rustls with the ring provider) when asked, with a
//! client certificate for SASL EXTERNAL.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::{ClientConfig, ClientError, Sasl};

/// A connected stream, plain or TLS.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Connects to the server; with TLS and a plain fallback port, a failed TLS attempt tries plain text there.
pub(crate) async fn connect(config: &ClientConfig) -> Result<Box<dyn Stream>, ClientError> {
    match connect_to(config, config.port, config.tls).await {
        Ok(stream) => Ok(stream),
        Err(error) => match config.plain_fallback_port {
            Some(port) if config.tls => connect_to(config, port, false).await.map_err(|_| error),
            _ => Err(error),
        },
    }
}

async fn connect_to(
    config: &ClientConfig,
    port: u16,
    tls: bool,
) -> Result<Box<dyn Stream>, ClientError> {
    let address = (config.host.as_str(), port);
    let tcp = tokio::time::timeout(config.connect_timeout, TcpStream::connect(address))
        .await
        .map_err(|_| ClientError::Connect(format!("{}:{port}: timed out", config.host)))?
        .map_err(|error| ClientError::Connect(format!("{}:{port}: {error}", config.host)))?;
    let _ = tcp.set_nodelay(true);
    if !tls {
        return Ok(Box::new(tcp));
    }
    let connector = TlsConnector::from(Arc::new(tls_config(config)?));
    let name = ServerName::try_from(config.host.clone()).map_err(|error| {
        ClientError::Tls(format!(
            "{} is not a valid server name: {error}",
            config.host
        ))
    })?;
    let stream = tokio::time::timeout(
        config.connect_timeout.max(Duration::from_secs(1)),
        connector.connect(name, tcp),
    )
    .await
    .map_err(|_| ClientError::Connect(format!("{}:{port}: TLS handshake timed out", config.host)))?
    .map_err(|error| ClientError::Tls(format!("{}:{port}: {error}", config.host)))?;
    Ok(Box::new(stream))
}

fn tls_config(config: &ClientConfig) -> Result<rustls::ClientConfig, ClientError> {
    let roots = match &config.tls_roots {
        Some(roots) => (**roots).clone(),
        None => rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ClientError::Tls(error.to_string()))?
        .with_root_certificates(roots);
    match &config.sasl {
        Some(Sasl::External {
            cert_chain_pem,
            key_pem,
        }) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(cert_chain_pem)
                    .collect::<Result<_, _>>()
                    .map_err(|error| {
                        ClientError::Tls(format!("the SASL EXTERNAL certificate: {error}"))
                    })?;
            let key = PrivateKeyDer::from_pem_slice(key_pem)
                .map_err(|error| ClientError::Tls(format!("the SASL EXTERNAL key: {error}")))?;
            builder.with_client_auth_cert(chain, key).map_err(|error| {
                ClientError::Tls(format!("the SASL EXTERNAL certificate: {error}"))
            })
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}
