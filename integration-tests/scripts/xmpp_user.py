"""A scripted XMPP user for Switchboard's integration tests (slixmpp, Debian's python3-slixmpp).

Usage: /usr/bin/python3 xmpp_user.py HOST PORT JID PASSWORD

Prints one JSON object per line on stdout: {"event": "ready"} once the session is up, then one object per
stanza received ({"event": "message" | "presence" | "iq", "from", "to", "type", "id", "body", "xml"}).
Reads one JSON command per line on stdin:
  {"cmd": "send", "to": JID, "body": TEXT, "type": "chat", "id": ID}
  {"cmd": "raw", "xml": XML}           sends the XML as is
  {"cmd": "quit"}
"""
import asyncio
import json
import sys

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class User(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.add_event_handler("session_start", self.on_start)
        for name in ("message", "presence", "iq"):
            self.register_handler(
                Callback(
                    "switchboard-test-" + name,
                    MatchXPath("{jabber:client}" + name),
                    self.on_stanza,
                )
            )

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        emit({"event": "ready"})
        asyncio.ensure_future(self.read_commands())

    def on_stanza(self, stanza):
        body = stanza["body"] if stanza.name == "message" else None
        emit(
            {
                "event": stanza.name,
                "from": str(stanza["from"]),
                "to": str(stanza["to"]),
                "type": stanza["type"],
                "id": stanza["id"],
                "body": body,
                "xml": str(stanza),
            }
        )

    async def read_commands(self):
        loop = asyncio.get_event_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                self.disconnect()
                return
            command = json.loads(line)
            if command["cmd"] == "send":
                message = self.make_message(
                    mto=command["to"], mbody=command["body"], mtype=command.get("type", "chat")
                )
                if command.get("id"):
                    message["id"] = command["id"]
                message.send()
            elif command["cmd"] == "raw":
                self.send_raw(command["xml"])
            elif command["cmd"] == "quit":
                self.disconnect()
                return


def main():
    host, port, jid, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    user = User(jid, password)
    user.connect((host, port), force_starttls=False, disable_starttls=True)
    user.loop.run_until_complete(user.disconnected)


if __name__ == "__main__":
    main()
