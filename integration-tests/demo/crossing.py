"""The demo's two scripted people: an IRC user (raw socket) and an XMPP user (slixmpp) in the bridged room.

Usage: /usr/bin/python3 crossing.py C2S_PORT IRC_PORT
Each says one thing; the script prints both crossing and exits 0, or 1 if either did not cross in time.
"""
import asyncio
import socket
import sys
import threading
import time

import slixmpp

ROOM = "lobby@conference.localhost"
FROM_IRC = "Hello from IRC \N{WAVING HAND SIGN}"
FROM_XMPP = "Hello from XMPP \N{SPARKLES} (ça marche)"
TIMEOUT = 30


class IrcUser(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.lines = []
        self.ready = threading.Event()
        self.got_xmpp = threading.Event()
        self.send("NICK ircfan")
        self.send("USER ircfan 0 * :IRC fan")

    def send(self, line):
        self.sock.sendall((line + "\r\n").encode())

    def run(self):
        buffer = b""
        while True:
            data = self.sock.recv(4096)
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                if line.startswith("PING"):
                    self.send("PONG" + line[4:])
                parts = line.split(" ")
                if len(parts) > 1 and parts[1] in ("376", "422"):
                    self.send("JOIN #lobby")
                if len(parts) > 1 and parts[1] == "366":
                    self.ready.set()
                if " PRIVMSG #lobby :" in line and FROM_XMPP in line:
                    print(f"  XMPP -> IRC   IRC client got:  {line}", flush=True)
                    self.got_xmpp.set()


class XmppUser(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__("alice@localhost", "alice-pass")
        self.register_plugin("xep_0045")
        self.joined = asyncio.Event()
        self.got_irc = asyncio.Event()
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("groupchat_message", self.on_groupchat)

    async def start(self, _event):
        self.send_presence()
        await self.plugin["xep_0045"].join_muc_wait(ROOM, "alice", maxstanzas=0)
        self.joined.set()

    def on_groupchat(self, message):
        if message["body"] == FROM_IRC:
            print(f"  IRC -> XMPP   XMPP client got: <message from='{message['from']}'>{message['body']}</message>", flush=True)
            self.got_irc.set()


async def crossing(irc, xmpp):
    await asyncio.wait_for(xmpp.joined.wait(), TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while not irc.ready.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    # Give the bridge a moment to see both people, then speak.
    await asyncio.sleep(1)
    print(f"  ircfan says on IRC #lobby:      {FROM_IRC}", flush=True)
    irc.send(f"PRIVMSG #lobby :{FROM_IRC}")
    await asyncio.wait_for(xmpp.got_irc.wait(), TIMEOUT)
    print(f"  alice says in {ROOM}: {FROM_XMPP}", flush=True)
    xmpp.send_message(mto=ROOM, mbody=FROM_XMPP, mtype="groupchat")
    while not irc.got_xmpp.is_set():
        if time.monotonic() > deadline + TIMEOUT:
            raise TimeoutError("the XMPP message did not reach IRC")
        await asyncio.sleep(0.1)


def main():
    c2s_port, irc_port = int(sys.argv[1]), int(sys.argv[2])
    irc = IrcUser(irc_port)
    irc.start()
    xmpp = XmppUser()
    xmpp.connect(("127.0.0.1", c2s_port), force_starttls=False, disable_starttls=True)
    try:
        xmpp.loop.run_until_complete(crossing(irc, xmpp))
    except Exception as error:  # noqa: BLE001 - the demo reports any failure the same way
        print(f"  the message did not cross: {error!r}", flush=True)
        sys.exit(1)
    irc.send("QUIT :demo done")
    xmpp.disconnect()
    sys.exit(0)


if __name__ == "__main__":
    main()
