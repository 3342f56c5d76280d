#!/usr/bin/env python3
"""Read the files of an lfs-lazy repository from Python through `lfs-lazy serve`.

Standard library only (http.client, subprocess); Python 3.8 or later. Nothing is downloaded that is
not read, a range of a large object is one S3 Range request, and a whole read lands in the
repository's read cache so the next epoch is local. See docs/training.md.

    from server_reader import LfsLazyServer, ServerDataset

    with LfsLazyServer("/data/speech") as server:             # starts `lfs-lazy serve`
        client = server.client()
        labels = client.read("labels.json")                   # the checked-out revision
        old = client.read("labels.json", rev="v1.0")          # any commit, branch or tag
        header = client.read_range("clips/a.wav", 0, 43)      # bytes 0..43 inclusive
        with open("/tmp/big.bin", "wb") as f:                 # a large file, a block at a time
            client.copy_to("videos/big.bin", f)
        dataset = ServerDataset(server.url, ["clips/a.wav", "clips/b.wav"])
        first = dataset[0]                                    # what a DataLoader worker does

Run as a script, it reads the given paths whole, streamed, by ranges and through the dataset, and
writes what it read under --out (the end-to-end test compares every byte):

    python3 server_reader.py --repo DIR [--rev REV] [--lfs-lazy 'lfs-lazy'] --out OUT PATH...
"""

import argparse
import http.client
import os
import shlex
import socket
import subprocess
import threading
import urllib.parse

__all__ = ["LfsLazyServer", "ServerClient", "ServerDataset", "ServerError", "url_from_repo"]


class ServerError(Exception):
    """An answer other than 200/206: `status` and the server's one-line `message`."""

    def __init__(self, status, message, path):
        super().__init__("%s: HTTP %d: %s" % (path, status, message))
        self.status = status
        self.message = message
        self.path = path


class LfsLazyServer:
    """`lfs-lazy serve` as a child process: started on enter, stopped (SIGTERM) on exit.

    `command` is how to run lfs-lazy (a string is split like a shell would, or a list).
    """

    def __init__(self, repo, command="lfs-lazy", idle_exit=None, socket_path=None):
        self.repo = repo
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        self.idle_exit = idle_exit
        self.socket_path = socket_path
        self.process = None
        self.url = None

    def start(self):
        args = self.command + ["serve"]
        if self.idle_exit is not None:
            args += ["--idle-exit", str(self.idle_exit)]
        if self.socket_path is not None:
            args += ["--socket", self.socket_path]
        # stderr stays ours: the server's log lines (never the token) go where ours go.
        self.process = subprocess.Popen(args, cwd=self.repo, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        # Exactly one line, once the server listens: the base URL with the token.
        line = self.process.stdout.readline().decode("utf-8").strip()
        if not line:
            code = self.process.wait()
            raise RuntimeError("lfs-lazy serve exited with status %d before printing its URL" % code)
        self.url = line
        return self

    def client(self):
        return ServerClient(self.url)

    def stop(self, timeout=30):
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
        code = self.process.wait(timeout=timeout)
        self.process.stdout.close()
        self.process = None
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def url_from_repo(repo):
    """The URL of a server already running for `repo` (from <git dir>/lfs-lazy/serve.url)."""
    git_dir = subprocess.check_output(["git", "rev-parse", "--absolute-git-dir"], cwd=repo).decode().strip()
    with open(os.path.join(git_dir, "lfs-lazy", "serve.url"), encoding="utf-8") as f:
        return f.read().strip()


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def quote_path(path):
    """A repository path as it goes into the URL: each byte that needs it percent-encoded.

    A str path that came from os.fsdecode (names that are not UTF-8) keeps its bytes. A leading
    `@` is encoded too (`%40`), so the name is never read as a revision.
    """
    raw = path.encode("utf-8", "surrogateescape") if isinstance(path, str) else bytes(path)
    return urllib.parse.quote(raw, safe="/")


class ServerClient:
    """One kept-alive connection to the server. Not thread-safe: one per thread or process."""

    def __init__(self, url, timeout=300):
        parts = urllib.parse.urlsplit(url)
        self.token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
        self.url = url
        self.timeout = timeout
        if parts.scheme == "http+unix":
            self.unix_path = urllib.parse.unquote(parts.netloc)
            self.host, self.port = None, None
        elif parts.scheme == "http":
            self.unix_path = None
            self.host, self.port = parts.hostname, parts.port
        else:
            raise ValueError("not an lfs-lazy serve URL: %r" % url)
        self._conn = None

    def target(self, path, rev=None):
        """The request target of a file: /<path> or /@<rev>/<path>."""
        prefix = "/@" + urllib.parse.quote(rev, safe="") if rev is not None else ""
        return prefix + "/" + quote_path(path)

    def url_for(self, path, rev=None):
        """A plain URL with the token in it (for WebDataset, fsspec, curl)."""
        base = ("http://%s:%d" % (self.host, self.port)) if self.unix_path is None else self.url.split("/?")[0]
        return base + self.target(path, rev) + "?token=" + self.token

    def read(self, path, rev=None):
        """The whole content of a file."""
        return self._get(path, rev, {})[2]

    def copy_to(self, path, out, rev=None, block_size=1 << 20):
        """Streams a file into the binary file object `out`, a block at a time: a file of many GiB
        never sits in memory. Returns the bytes written; a body cut short raises ServerError."""
        response = self._send("GET", path, rev, {})
        if response.status != 200:
            raise ServerError(response.status, response.read().decode("utf-8", "replace").strip(), path)
        expected = int(response.headers["content-length"])
        block = memoryview(bytearray(block_size))
        written = 0
        try:
            while True:
                n = response.readinto(block)
                if not n:
                    break
                out.write(block[:n])
                written += n
        except (http.client.IncompleteRead, ConnectionError, OSError):
            written = -1
        if written != expected:
            # The connection is in an unknown state: a new one for the next request.
            self.close()
            raise ServerError(response.status, "the body was cut short", path)
        return written

    def read_range(self, path, start, end=None, rev=None):
        """Bytes start..end, both inclusive (end None: to the end of the file). Past the end: b""."""
        header = "bytes=%d-%s" % (start, "" if end is None else str(end))
        status, _, body = self._get(path, rev, {"Range": header}, ok=(200, 206, 416))
        return b"" if status == 416 else body

    def read_tail(self, path, length, rev=None):
        """The last `length` bytes (the whole file when it is shorter)."""
        status, _, body = self._get(path, rev, {"Range": "bytes=-%d" % length}, ok=(200, 206, 416))
        return b"" if status == 416 else body

    def stat(self, path, rev=None):
        """(size, etag) from a HEAD request; the etag of an LFS file is its oid, quoted."""
        _, headers, _ = self._request("HEAD", path, rev, {}, (200,))
        return int(headers["content-length"]), headers.get("etag")

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _get(self, path, rev, headers, ok=(200, 206)):
        return self._request("GET", path, rev, headers, ok)

    def _send(self, method, path, rev, headers):
        """The response once its head came; its body is still to be read."""
        headers = dict(headers, Authorization="Bearer " + self.token)
        target = self.target(path, rev)
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, target, headers=headers)
                return conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection that sat idle: once more on a new one.
                self.close()
                if attempt == 2:
                    raise

    def _request(self, method, path, rev, headers, ok):
        response = self._send(method, path, rev, headers)
        body = response.read()
        if response.status not in ok:
            raise ServerError(response.status, body.decode("utf-8", "replace").strip(), path)
        if method == "GET" and len(body) != int(response.headers.get("content-length", len(body))):
            raise ServerError(response.status, "the body was cut short", path)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def _connection(self):
        if self._conn is None:
            if self.unix_path is not None:
                self._conn = _UnixConnection(self.unix_path, self.timeout)
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn


class ServerDataset:
    """A PyTorch-style map-style dataset (len(), [i]) of files read through the server.

    Give it the server's URL, not a client: each thread and each DataLoader worker process opens
    its own connection on first use (a connection cannot be shared or pickled). `transform` turns
    the bytes into a sample (decode an image, parse JSON…); without it, a sample is the bytes.
    """

    def __init__(self, url, paths, rev=None, transform=None):
        self.url = url
        self.paths = list(paths)
        self.rev = rev
        self.transform = transform
        self._local = threading.local()

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        data = self._client().read(self.paths[index], rev=self.rev)
        return self.transform(data) if self.transform is not None else data

    def _client(self):
        client = getattr(self._local, "client", None)
        # A forked worker inherits the parent's thread-local: its socket is not its own.
        if client is None or getattr(self._local, "pid", None) != os.getpid():
            client = ServerClient(self.url)
            self._local.client = client
            self._local.pid = os.getpid()
        return client

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_local"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()


def _main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--rev")
    parser.add_argument("--lfs-lazy", default="lfs-lazy", help="how to run lfs-lazy (split like a shell command)")
    parser.add_argument("--out", required=True, help="directory for what was read: <i>.whole, <i>.stream, <i>.ranges, <i>.dataset")
    parser.add_argument("--chunk", type=int, default=65536, help="size of each range read")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    def save(name, data):
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)

    with LfsLazyServer(args.repo, command=args.lfs_lazy) as server:
        client = server.client()
        for i, path in enumerate(args.paths):
            save("%d.whole" % i, client.read(path, rev=args.rev))
            with open(os.path.join(args.out, "%d.stream" % i), "wb") as f:
                client.copy_to(path, f, rev=args.rev)
            # The same file again, as consecutive ranges and a suffix: what a reader seeking
            # through a large file does.
            size, _ = client.stat(path, rev=args.rev)
            parts = [client.read_range(path, start, min(start + args.chunk, size) - 1, rev=args.rev) for start in range(0, size, args.chunk)]
            tail = client.read_tail(path, 10, rev=args.rev)
            if tail != b"".join(parts)[-10:]:
                raise SystemExit("%s: the suffix range differs from the end of the file" % path)
            save("%d.ranges" % i, b"".join(parts))
        client.close()
        dataset = ServerDataset(server.url, args.paths, rev=args.rev)
        for i in range(len(dataset)):
            save("%d.dataset" % i, dataset[i])
        print("read %d files through %s" % (len(dataset), server.url.split("?")[0]))


if __name__ == "__main__":
    _main()
