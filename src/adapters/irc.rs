//! `[irc]`: the IRC adapter, with every `[irc.networks.NAME]` and the channels the bridges name.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;
use switchboard_core::address::{Address, IrcTarget};
use switchboard_irc::client::Sasl;
use switchboard_irc::wire::Charset;
use switchboard_irc::{IrcAdapter, IrcAdapterConfig, NetworkSettings};

/// The IRC adapter, when `[irc]` is configured.
pub(super) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    let Some(irc) = &config.irc else {
        return Ok(Vec::new());
    };
    let mut settings = IrcAdapterConfig::new();
    settings.open = irc.open;
    for (name, network) in &irc.networks {
        settings
            .networks
            .insert(name.clone(), network_settings(network));
    }
    for endpoint in config.bridges.iter().flat_map(|bridge| &bridge.endpoints) {
        if let Address::Irc(irc) = endpoint
            && let IrcTarget::Channel(channel) = irc.target()
        {
            settings
                .bridged_channels
                .entry(irc.network().to_owned())
                .or_default()
                .push(channel.clone());
        }
    }
    Ok(vec![Arc::new(IrcAdapter::new(settings))])
}

fn network_settings(network: &bridge_config::IrcNetworkConfig) -> NetworkSettings {
    let mut settings = NetworkSettings::new(&network.server.host, network.server.port, network.tls);
    settings.nick = network.nick.clone();
    settings.flood_burst = network.flood_burst;
    settings.flood_per_second = network.flood_per_second;
    settings.max_lines = network.max_lines as usize;
    settings.charset = match network.charset {
        bridge_config::Charset::Latin1 => Charset::Latin1,
        bridge_config::Charset::Latin9 => Charset::Latin9,
        bridge_config::Charset::Windows1252 => Charset::Windows1252,
    };
    settings.sasl = match (&network.sasl_user, &network.sasl_password) {
        (Some(user), Some(password)) => Some(Sasl::Plain {
            user: user.clone(),
            password: password.expose().to_owned(),
        }),
        _ => None,
    };
    settings.max_puppets = network.max_puppets as usize;
    settings.relay = network.relay;
    settings
}
