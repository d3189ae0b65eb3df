"""A real SMTP server for tests: it counts the messages it fully receives, and can stall
mid-conversation or refuse, so a test can kill a worker during a send or make it retry."""

import socketserver
import threading
import time
from email import message_from_bytes
from email.message import Message


class SmtpSink:
    def __init__(self):
        self.messages: list[Message] = []
        self.stall = threading.Event()  # while set, RCPT TO is not answered
        self.refuse = False  # answer DATA with 451
        self.in_progress = threading.Event()  # a client reached RCPT TO
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                try:
                    self.converse()
                except OSError:
                    return  # the client died mid-conversation

            def converse(self):
                self.reply("220 sink ready")
                data: list[bytes] | None = None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return  # the client went away: an unfinished message is dropped
                    if data is not None:
                        if line in (b".\r\n", b".\n"):
                            sink.messages.append(message_from_bytes(b"".join(data)))
                            data = None
                            self.reply("250 queued")
                        else:
                            data.append(line[1:] if line.startswith(b"..") else line)
                        continue
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 sink")
                    elif verb == b"RCPT":
                        sink.in_progress.set()
                        while sink.stall.is_set():
                            time.sleep(0.05)
                        self.reply("250 ok")
                    elif verb == b"DATA":
                        if sink.refuse:
                            self.reply("451 try again later")
                        else:
                            data = []
                            self.reply("354 go ahead")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:  # MAIL, RSET, NOOP
                        self.reply("250 ok")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "SmtpSink":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stall.clear()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"smtp+insecure://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["To"]]
