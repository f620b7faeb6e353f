"""Opens COUNT connections to HOST:PORT that send half a request head and then nothing,
spread over the loopback addresses 127.0.0.2 and up (PER_ADDRESS each), holds them for
HOLD seconds and closes them. Prints how many the server had closed by then."""
import socket, sys, time

host, port, count, per_address, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
sockets = []
for i in range(count):
    s = socket.socket()
    s.bind((f"127.0.0.{2 + i // per_address}", 0))
    s.settimeout(2)
    s.connect((host, port))
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: notes\r\nX-Half: ")
    except OSError:
        pass  # already closed to make room for a newer one
    sockets.append(s)
time.sleep(hold)
closed = 0
for s in sockets:
    s.setblocking(False)
    try:
        closed += s.recv(1) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
    s.close()
print(f"{count} stalled connections held {hold:.0f} s: {closed} closed by the server")
