//! `bridge_bench`: Switchboard and Biboumi side by side, in IRC transport mode, on one Prosody and one
//! ngircd (127.0.0.1:6667), one gateway after the other, each in a fresh channel. Prints a markdown table
//! of throughput, latency, losses, CPU time per message and memory, with the targets and whether they are
//! met.
//!
//! Build the gateway first, in the same target directory, then run the bench:
//!
//! ```text
//! cargo build --release --bin switchboard
//! cargo run --release -p integration-tests --bin bridge_bench -- [--messages 2000] [--rate 200]
//!     [--puppets 100] [--only switchboard|biboumi] [--switchboard PATH] [--biboumi-no-history]
//! ```
//!
//! Biboumi is measured with its IRC throttle off (by default it sends 10 lines at once, then 1 a second);
//! `--biboumi-no-history` also turns off its message archive, which otherwise writes every message to
//! SQLite in a transaction of its own.
//!
//! Needs the Debian packages prosody, ngircd and biboumi, and 127.0.0.1:6667 free.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use integration_tests::bench::clock;
use integration_tests::bench::gateway::{Gateway, IRC_HOST, IRC_PORT, Kind, start_ngircd};
use integration_tests::bench::irc::IrcClient;
use integration_tests::bench::measure::{
    Direction, Pace, Receipts, RunResult, body, clock_ticks_per_second, cpu_ticks, status_kib,
};
use integration_tests::bench::xmpp::{XmppClient, attribute};
use integration_tests::prosody::{Prosody, ProsodyOptions};

/// How long set-up steps may take.
const WAIT: Duration = Duration::from_secs(30);
/// A run ends when nothing new arrived for this long.
const IDLE: Duration = Duration::from_secs(20);
/// ... or after this long in all.
const RUN_CAP: Duration = Duration::from_secs(600);
/// How long the gateway's idle CPU use is sampled after set-up.
const IDLE_SAMPLE: Duration = Duration::from_secs(5);
/// The XMPP user measured, and its nick in the rooms.
const XUSER: &str = "xuser";
/// The plain IRC client's nick.
const PEER: &str = "ircpeer";

/// Command-line settings.
#[derive(Debug)]
struct Options {
    messages: usize,
    rate: f64,
    puppets: usize,
    only: Option<Kind>,
    switchboard: Option<PathBuf>,
    /// Turn Biboumi's message archive (one SQLite transaction per message) off for the measured user.
    biboumi_no_history: bool,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        messages: 2000,
        rate: 200.0,
        puppets: 100,
        only: None,
        switchboard: None,
        biboumi_no_history: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--messages" => options.messages = value()?.parse()?,
            "--rate" => options.rate = value()?.parse()?,
            "--puppets" => options.puppets = value()?.parse()?,
            "--switchboard" => options.switchboard = Some(value()?.into()),
            "--biboumi-no-history" => options.biboumi_no_history = true,
            "--only" => {
                options.only = Some(match value()?.as_str() {
                    "switchboard" => Kind::Switchboard,
                    "biboumi" => Kind::Biboumi,
                    other => bail!("--only switchboard|biboumi, not {other}"),
                })
            }
            other => bail!(
                "unknown argument {other}; usage: bridge_bench [--messages N] [--rate PER_SECOND] \
                 [--puppets N] [--only switchboard|biboumi] [--switchboard PATH] \
                 [--biboumi-no-history]"
            ),
        }
    }
    if options.messages == 0 || options.rate <= 0.0 {
        bail!("--messages and --rate must be positive");
    }
    Ok(options)
}

/// The `switchboard` binary: `--switchboard`, `$SWITCHBOARD_BIN`, or the one beside this program.
fn switchboard_binary(options: &Options) -> anyhow::Result<PathBuf> {
    let path = match (&options.switchboard, std::env::var_os("SWITCHBOARD_BIN")) {
        (Some(path), _) => path.clone(),
        (None, Some(path)) => path.into(),
        (None, None) => std::env::current_exe()?
            .parent()
            .context("no directory for this program")?
            .join("switchboard"),
    };
    if !path.is_file() {
        bail!(
            "no switchboard binary at {}; build it with `cargo build --release --bin switchboard` in \
             the same target directory, or pass --switchboard PATH",
            path.display()
        );
    }
    Ok(path)
}

/// Everything measured for one gateway.
#[derive(Debug, Default)]
struct Report {
    runs: Vec<RunResult>,
    rss_after_setup_kib: u64,
    /// CPU ticks spent over [`IDLE_SAMPLE`] with one user joined and nothing said.
    idle_ticks: u64,
    rss_before_puppets_kib: u64,
    rss_with_puppets_kib: u64,
    peak_rss_kib: u64,
    puppets_joined: usize,
    puppets_join_time: Duration,
    notes: Vec<String>,
}

impl Report {
    /// Gateway CPU time per message over every run, in microseconds.
    fn cpu_us_per_message(&self, ticks_per_second: u64, direction: Option<Direction>) -> f64 {
        let runs = self
            .runs
            .iter()
            .filter(|r| direction.is_none_or(|d| r.direction == d));
        let (ticks, messages) = runs.fold((0, 0), |(t, m), r| (t + r.cpu_ticks, m + r.sent));
        ticks as f64 * 1e6 / ticks_per_second as f64 / messages.max(1) as f64
    }

    /// Resident memory each puppeted user added, in KiB.
    fn rss_per_puppet_kib(&self) -> f64 {
        (self.rss_with_puppets_kib as f64 - self.rss_before_puppets_kib as f64)
            / self.puppets_joined.max(1) as f64
    }
}

/// The room for `channel` at `kind`'s domain.
fn room_of(kind: Kind, channel: &str) -> String {
    format!("{channel}%{IRC_HOST}@{}", kind.domain())
}

/// Turns Biboumi's per-user IRC throttle off for `user` on the bench host (XEP-0050 `configure` on the
/// server JID): by default Biboumi sends at most 10 lines at once, then 1 per second. Also makes it dial
/// plain 6667 only.
fn unthrottle_biboumi(user: &mut XmppClient) -> anyhow::Result<()> {
    let server = format!("{IRC_HOST}@{}", Kind::Biboumi.domain());
    user.send(&format!(
        "<iq type='set' id='cfg1' to='{server}'><command xmlns='http://jabber.org/protocol/commands' \
         node='configure' action='execute'/></iq>"
    ))?;
    let form = user.wait_for(WAIT, "Biboumi's configure form", |s| {
        s.name() == "iq" && s.attr("id").as_deref() == Some("cfg1")
    })?;
    let session = attribute(&form.xml, "sessionid")
        .with_context(|| format!("no session in Biboumi's answer: {}", form.xml))?;
    user.send(&format!(
        "<iq type='set' id='cfg2' to='{server}'><command xmlns='http://jabber.org/protocol/commands' \
         node='configure' sessionid='{session}' action='complete'><x xmlns='jabber:x:data' \
         type='submit'><field var='ports'><value>{IRC_PORT}</value></field><field var='tls_ports'/>\
         <field var='throttle_limit'><value>-1</value></field></x></command></iq>"
    ))?;
    let done = user.wait_for(WAIT, "Biboumi's configure result", |s| {
        s.name() == "iq" && s.attr("id").as_deref() == Some("cfg2")
    })?;
    if !done.xml.contains("completed") {
        bail!("Biboumi refused the configuration: {}", done.xml);
    }
    Ok(())
}

/// Turns Biboumi's message archive off for `user` (XEP-0050 `configure` on the component itself).
fn biboumi_without_history(user: &mut XmppClient) -> anyhow::Result<()> {
    let component = Kind::Biboumi.domain();
    user.send(&format!(
        "<iq type='set' id='cfg3' to='{component}'><command \
         xmlns='http://jabber.org/protocol/commands' node='configure' action='execute'/></iq>"
    ))?;
    let form = user.wait_for(WAIT, "Biboumi's global configure form", |s| {
        s.name() == "iq" && s.attr("id").as_deref() == Some("cfg3")
    })?;
    let session = attribute(&form.xml, "sessionid")
        .with_context(|| format!("no session in Biboumi's answer: {}", form.xml))?;
    user.send(&format!(
        "<iq type='set' id='cfg4' to='{component}'><command \
         xmlns='http://jabber.org/protocol/commands' node='configure' sessionid='{session}' \
         action='complete'><x xmlns='jabber:x:data' type='submit'><field var='record_history'>\
         <value>false</value></field></x></command></iq>"
    ))?;
    let done = user.wait_for(WAIT, "Biboumi's global configure result", |s| {
        s.name() == "iq" && s.attr("id").as_deref() == Some("cfg4")
    })?;
    if !done.xml.contains("completed") {
        bail!("Biboumi refused the configuration: {}", done.xml);
    }
    Ok(())
}

/// The two clients and the gateway a run needs.
struct Scene<'a> {
    gateway: &'a mut Gateway,
    pid: u32,
    xuser: &'a mut XmppClient,
    peer: &'a mut IrcClient,
    room: &'a str,
    channel: &'a str,
}

impl Scene<'_> {
    /// Sends `count` messages one way at `pace` and collects them at the other end.
    fn run(
        &mut self,
        direction: Direction,
        pace: Pace,
        tag: &str,
        count: usize,
    ) -> anyhow::Result<RunResult> {
        self.xuser.drain();
        self.peer.drain();
        let cpu_before = cpu_ticks(self.pid)?;
        let first_send = Instant::now();
        for seq in 0..count {
            if let Pace::PerSecond(rate) = pace {
                let due = first_send + Duration::from_secs_f64(seq as f64 / rate);
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
            let text = body(tag, seq);
            match direction {
                Direction::IrcToMuc => self.peer.privmsg(self.channel, &text)?,
                Direction::MucToIrc => {
                    self.xuser
                        .groupchat(self.room, &text, &format!("{tag}-{seq}"))?
                }
            }
        }
        let send_time = first_send.elapsed();
        let mut receipts = Receipts::new(tag, count);
        let peer_occupant = format!("{}/{PEER}", self.room);
        let mut last_progress = Instant::now();
        while !receipts.complete()
            && last_progress.elapsed() < IDLE
            && first_send.elapsed() < RUN_CAP
        {
            let before = receipts.count();
            let poll = Duration::from_millis(200);
            match direction {
                Direction::IrcToMuc => {
                    if let Some(stanza) = self.xuser.recv_timeout(poll)
                        && stanza.name() == "message"
                        && stanza
                            .attr("from")
                            .is_some_and(|f| f.eq_ignore_ascii_case(&peer_occupant))
                        && let Some(text) = stanza.body()
                    {
                        receipts.take(&text, stanza.at);
                    }
                }
                Direction::MucToIrc => {
                    if let Some(line) = self.peer.recv_timeout(poll)
                        && line.command == "PRIVMSG"
                        && line.nick() == Some(XUSER)
                        && line
                            .params
                            .first()
                            .is_some_and(|c| c.eq_ignore_ascii_case(self.channel))
                        && let Some(text) = line.params.get(1)
                    {
                        receipts.take(text, line.at);
                    }
                }
            }
            if receipts.count() > before {
                last_progress = Instant::now();
            }
        }
        if self.gateway.has_exited() {
            bail!(
                "the gateway exited during {tag}; its log:\n{}",
                self.gateway.log()
            );
        }
        let cpu_after = cpu_ticks(self.pid)?;
        Ok(receipts.finish(
            direction,
            pace,
            first_send,
            send_time,
            cpu_after - cpu_before,
        ))
    }
}

/// Waits until `user`'s join of `room` is complete and `PEER` is an occupant.
fn wait_until_joined(user: &mut XmppClient, room: &str) -> anyhow::Result<()> {
    let own = format!("{room}/{XUSER}");
    let peer = format!("{room}/{PEER}");
    let (mut joined, mut sees_peer) = (false, false);
    while !(joined && sees_peer) {
        let presence = user.wait_for(WAIT, "the room's presences", |s| s.name() == "presence")?;
        if presence.attr("type").as_deref() == Some("error") {
            bail!("joining {room} failed: {}", presence.xml);
        }
        let from = presence.attr("from").unwrap_or_default();
        if from.eq_ignore_ascii_case(&own) && presence.xml.contains("110") {
            joined = true;
        }
        if from.eq_ignore_ascii_case(&peer) {
            sees_peer = true;
        }
    }
    Ok(())
}

/// Measures one gateway in channel `channel`.
fn bench_gateway(
    kind: Kind,
    channel: &str,
    prosody: &Prosody,
    switchboard: &std::path::Path,
    options: &Options,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let room = room_of(kind, channel);
    eprintln!("== {}: starting", kind.name());
    let mut gateway = Gateway::start(kind, prosody, switchboard)?;
    let pid = gateway.pid()?;
    let result = (|| -> anyhow::Result<()> {
        let mut xuser = XmppClient::login(prosody.c2s_port, XUSER, &format!("{XUSER}-pass"))?;
        if kind == Kind::Biboumi {
            unthrottle_biboumi(&mut xuser)?;
            report
                .notes
                .push("throttle_limit set to -1 (unthrottled) for xuser".into());
            if options.biboumi_no_history {
                biboumi_without_history(&mut xuser)?;
                report
                    .notes
                    .push("record_history set to false (no message archive) for xuser".into());
            } else {
                report
                    .notes
                    .push("message archive on (its default: one SQLite insert per message)".into());
            }
        }
        let mut peer = IrcClient::connect(IRC_PORT, PEER)?;
        peer.join(channel)?;
        let setup = Instant::now();
        xuser.join(&room, XUSER)?;
        wait_until_joined(&mut xuser, &room)?;
        peer.wait_for(WAIT, "xuser's JOIN", |l| {
            l.command == "JOIN" && l.nick() == Some(XUSER)
        })?;
        eprintln!("   joined both ways in {:?}", setup.elapsed());
        std::thread::sleep(Duration::from_secs(1));
        report.rss_after_setup_kib = status_kib(pid, "VmRSS")?;
        let idle_before = cpu_ticks(pid)?;
        std::thread::sleep(IDLE_SAMPLE);
        report.idle_ticks = cpu_ticks(pid)? - idle_before;

        let mut scene = Scene {
            gateway: &mut gateway,
            pid,
            xuser: &mut xuser,
            peer: &mut peer,
            room: &room,
            channel,
        };
        let shapes = [
            (Direction::IrcToMuc, Pace::PerSecond(options.rate), "im-p"),
            (Direction::IrcToMuc, Pace::Burst, "im-b"),
            (Direction::MucToIrc, Pace::PerSecond(options.rate), "mi-p"),
            (Direction::MucToIrc, Pace::Burst, "mi-b"),
        ];
        for (direction, pace, tag) in shapes {
            let run = scene.run(direction, pace, tag, options.messages)?;
            eprintln!(
                "   {} {}: {}/{} received ({} duplicates), {:.0} msg/s, p50 {:.1} ms, p99 {:.1} ms, \
                 sent in {:.2} s, {} CPU ticks",
                direction.label(),
                pace.label(),
                run.received,
                run.sent,
                run.duplicates,
                run.throughput(),
                run.latency_ms(0.5),
                run.latency_ms(0.99),
                run.send_time.as_secs_f64(),
                run.cpu_ticks
            );
            report.runs.push(run);
            std::thread::sleep(Duration::from_secs(1));
        }

        // Puppets: one XMPP user after another joins; each gets an IRC connection of its own.
        std::thread::sleep(Duration::from_secs(1));
        report.rss_before_puppets_kib = status_kib(pid, "VmRSS")?;
        peer.drain();
        let started = Instant::now();
        let mut puppets = Vec::with_capacity(options.puppets);
        for k in 0..options.puppets {
            let user = XmppClient::login(
                prosody.c2s_port,
                &format!("user{k}"),
                &format!("user{k}-pass"),
            )?;
            user.join(&room, &format!("user{k}"))?;
            puppets.push(user);
        }
        let mut joined = HashSet::new();
        let deadline = Instant::now() + Duration::from_secs(300);
        while joined.len() < options.puppets && Instant::now() < deadline {
            if let Some(line) = peer.recv_timeout(Duration::from_millis(500))
                && line.command == "JOIN"
                && let Some(nick) = line.nick()
                && nick.starts_with("user")
            {
                joined.insert(nick.to_owned());
            }
        }
        report.puppets_joined = joined.len();
        report.puppets_join_time = started.elapsed();
        eprintln!(
            "   {} of {} puppets on IRC after {:.1} s",
            joined.len(),
            options.puppets,
            report.puppets_join_time.as_secs_f64()
        );
        if joined.len() < options.puppets {
            report.notes.push(format!(
                "only {} of {} puppets joined on IRC within 300 s",
                joined.len(),
                options.puppets
            ));
        }
        std::thread::sleep(Duration::from_secs(2));
        report.rss_with_puppets_kib = status_kib(pid, "VmRSS")?;
        report.peak_rss_kib = status_kib(pid, "VmHWM")?;
        drop(puppets);
        Ok(())
    })();
    let log = gateway.log();
    let kept = std::env::temp_dir().join(format!("bridge_bench-{}.log", kind.name()));
    if std::fs::write(&kept, &log).is_ok() {
        eprintln!("   its log: {}", kept.display());
    }
    result.map(|()| report)
}

/// A value, or `n/a` when the gateway could not be measured.
fn cell(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "n/a".into(),
    }
}

/// How Switchboard's figure must compare with Biboumi's.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// None: context only.
    None,
    /// Switchboard's at least `factor` times Biboumi's.
    AtLeast(f64),
    /// Switchboard's at most `factor` times Biboumi's.
    AtMost(f64),
    /// Zero for Switchboard.
    Zero,
}

fn print_table(
    reports: &[(Kind, anyhow::Result<Report>)],
    ticks_per_second: u64,
    options: &Options,
) {
    let get = |kind: Kind| {
        reports
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, r)| r.as_ref().ok())
    };
    let (sb, bib) = (get(Kind::Switchboard), get(Kind::Biboumi));
    type Metric<'a> = Box<dyn Fn(&Report) -> Option<f64> + 'a>;
    let mut rows: Vec<(String, Metric<'_>, usize, Target)> = Vec::new();
    for (index, (direction, pace)) in [
        (Direction::IrcToMuc, Pace::PerSecond(options.rate)),
        (Direction::IrcToMuc, Pace::Burst),
        (Direction::MucToIrc, Pace::PerSecond(options.rate)),
        (Direction::MucToIrc, Pace::Burst),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("{}, {}", direction.label(), pace.label());
        let run = move |r: &Report| r.runs.get(index).cloned();
        let throughput_target = match pace {
            Pace::Burst => Target::AtLeast(1.0),
            Pace::PerSecond(_) => Target::AtLeast(0.99),
        };
        rows.push((
            format!("{name}: messages/s"),
            Box::new(move |r| run(r).map(|x| x.throughput())),
            0,
            throughput_target,
        ));
        rows.push((
            format!("{name}: p50 latency (ms)"),
            Box::new(move |r| run(r).map(|x| x.latency_ms(0.5))),
            1,
            Target::None,
        ));
        rows.push((
            format!("{name}: p99 latency (ms)"),
            Box::new(move |r| run(r).map(|x| x.latency_ms(0.99))),
            1,
            Target::None,
        ));
        rows.push((
            format!("{name}: lost of {}", options.messages),
            Box::new(move |r| run(r).map(|x| x.lost() as f64)),
            0,
            Target::Zero,
        ));
        rows.push((
            format!("{name}: gateway CPU per message (µs)"),
            Box::new(move |r| {
                run(r).map(|x| x.cpu_ticks as f64 * 1e6 / ticks_per_second as f64 / x.sent as f64)
            }),
            0,
            Target::None,
        ));
    }
    rows.push((
        "gateway CPU per message, all runs (µs)".into(),
        Box::new(move |r| Some(r.cpu_us_per_message(ticks_per_second, None))),
        0,
        Target::AtMost(0.5),
    ));
    rows.push((
        "gateway CPU while idle, 1 user joined (% of a core)".into(),
        Box::new(move |r| {
            Some(r.idle_ticks as f64 * 100.0 / ticks_per_second as f64 / IDLE_SAMPLE.as_secs_f64())
        }),
        1,
        Target::None,
    ));
    let mib = |kib: u64| kib as f64 / 1024.0;
    rows.push((
        "RSS after set-up, 1 user (MiB)".into(),
        Box::new(move |r| Some(mib(r.rss_after_setup_kib))),
        1,
        Target::None,
    ));
    rows.push((
        "RSS before puppets (MiB)".into(),
        Box::new(move |r| Some(mib(r.rss_before_puppets_kib))),
        1,
        Target::None,
    ));
    rows.push((
        format!("RSS with {} puppeted users (MiB)", options.puppets),
        Box::new(move |r| Some(mib(r.rss_with_puppets_kib))),
        1,
        Target::None,
    ));
    rows.push((
        "RSS per puppeted user (KiB)".into(),
        Box::new(|r| Some(r.rss_per_puppet_kib())),
        0,
        Target::AtMost(0.5),
    ));
    rows.push((
        "peak RSS, VmHWM (MiB)".into(),
        Box::new(move |r| Some(mib(r.peak_rss_kib))),
        1,
        Target::None,
    ));
    rows.push((
        format!("time until {} puppets are on IRC (s)", options.puppets),
        Box::new(|r| Some(r.puppets_join_time.as_secs_f64())),
        2,
        Target::None,
    ));

    println!("| metric | Switchboard | Biboumi | Switchboard/Biboumi | target | met |");
    println!("|---|---|---|---|---|---|");
    let mut met = Vec::new();
    let mut missed = Vec::new();
    for (name, metric, decimals, target) in &rows {
        let a = sb.and_then(metric);
        let b = bib.and_then(metric);
        let ratio = match (a, b) {
            (Some(a), Some(b)) if b != 0.0 => Some(a / b),
            _ => None,
        };
        let (target_text, verdict) = match target {
            Target::None => (String::new(), None),
            Target::AtLeast(f) => (
                if *f == 1.0 {
                    "≥ Biboumi".to_owned()
                } else {
                    format!("≥ {f} × Biboumi")
                },
                ratio.map(|r| r >= *f),
            ),
            Target::AtMost(f) => (format!("≤ {f} × Biboumi"), ratio.map(|r| r <= *f)),
            Target::Zero => ("0".to_owned(), a.map(|a| a == 0.0)),
        };
        let verdict_text = match verdict {
            Some(true) => {
                met.push(name.clone());
                "yes"
            }
            Some(false) => {
                missed.push(name.clone());
                "**no**"
            }
            None => "",
        };
        println!(
            "| {name} | {} | {} | {} | {target_text} | {verdict_text} |",
            cell(a, *decimals),
            cell(b, *decimals),
            cell(ratio, 2),
        );
    }
    println!();
    println!("Targets met ({}): {}", met.len(), met.join("; "));
    println!("Targets missed ({}): {}", missed.len(), missed.join("; "));
    for (kind, report) in reports {
        match report {
            Ok(report) => {
                for note in &report.notes {
                    println!("Note, {}: {note}", kind.name());
                }
                for run in &report.runs {
                    if run.duplicates > 0 {
                        println!(
                            "Note, {}: {} {}: {} duplicates",
                            kind.name(),
                            run.direction.label(),
                            run.pace.label(),
                            run.duplicates
                        );
                    }
                }
            }
            Err(e) => println!("{} could not be measured: {e:#}", kind.name()),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let options = parse_options()?;
    clock::epoch();
    let started = Instant::now();
    let switchboard = switchboard_binary(&options)?;
    let ticks_per_second = clock_ticks_per_second();
    let kinds: Vec<Kind> = [Kind::Switchboard, Kind::Biboumi]
        .into_iter()
        .filter(|k| options.only.is_none_or(|only| only == *k))
        .collect();

    eprintln!("== starting ngircd on 127.0.0.1:{IRC_PORT}");
    let ngircd = start_ngircd()?;
    eprintln!(
        "== starting Prosody, registering {} users",
        options.puppets + 1
    );
    let mut users = vec![(XUSER.to_owned(), format!("{XUSER}-pass"))];
    users.extend((0..options.puppets).map(|k| (format!("user{k}"), format!("user{k}-pass"))));
    let prosody = Prosody::start(&ProsodyOptions {
        components: kinds
            .iter()
            .map(|k| {
                (
                    k.domain().to_owned(),
                    integration_tests::bench::gateway::SECRET.to_owned(),
                )
            })
            .collect(),
        users,
    })?;
    eprintln!("   ready after {:.1} s", started.elapsed().as_secs_f64());

    let mut reports = Vec::new();
    for (index, kind) in kinds.iter().enumerate() {
        let channel = format!("#bench{}", index + 1);
        let report = bench_gateway(*kind, &channel, &prosody, &switchboard, &options);
        if let Err(e) = &report {
            eprintln!("== {} failed: {e:#}", kind.name());
        }
        reports.push((*kind, report));
    }
    let kept = std::env::temp_dir().join("bridge_bench-ngircd.log");
    let _ = std::fs::write(&kept, ngircd.log());
    let _ = std::fs::write(
        std::env::temp_dir().join("bridge_bench-prosody.log"),
        prosody.log(),
    );
    eprintln!(
        "== done in {:.0} s (ngircd log: {})",
        started.elapsed().as_secs_f64(),
        kept.display(),
    );
    println!(
        "{} messages per run, paced runs at {}/s, {} puppeted users, CLK_TCK {ticks_per_second}",
        options.messages, options.rate, options.puppets
    );
    println!();
    print_table(&reports, ticks_per_second, &options);
    Ok(())
}
