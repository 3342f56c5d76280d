"""Read files of an lfs-lazy repository from Python through lfs-lazy's batch mode.

Standard library only. One `lfs-lazy cat --batch -z` (or `path --batch -z`) process is started on
first use and kept: each read writes one path to it and reads one answer, so a file costs a
round trip to a running process, not a process start (see docs/training.md, "Batch mode").

    from batch_reader import BatchReader

    with BatchReader("/data/repo") as reader:
        data = reader.read("data/train/000.bin")            # the bytes, fetched on demand
        path = reader.local_path("data/train/001.bin")      # or a verified local file to open

    with BatchReader("/data/repo", rev="v1") as reader:     # every read at that commit
        old = reader.read("labels.json")

    with BatchReader("/data/repo") as reader:               # many paths known in advance:
        for path, data in reader.iter_read(paths):          # sent ahead, fetched up to `jobs` at
            ...                                             # once, answered in order

Paths are relative to the repository root (or absolute); `str` or `bytes`. A `str` is encoded
with os.fsencode, so a name that is not UTF-8, as os.listdir returns it, round-trips. A file that
cannot be read raises BatchReadError; the reader stays usable.

Run as a script, it prints one line per path: `<size> <sha256> <path>`, or `error <message>`.
    python3 batch_reader.py [--rev REV] [--repo DIR] PATH...
"""

import hashlib
import os
import shlex
import subprocess
import sys
import threading

__all__ = ["BatchReader", "BatchReadError", "LazyFileDataset"]


class BatchReadError(OSError):
    """A file the batch could not give: `path` (as given), `message` (lfs-lazy's one line)."""

    def __init__(self, path, message):
        super().__init__(f"{os.fsdecode(path)}: {message}")
        self.path = path
        self.message = message


def _default_command():
    # LFS_LAZY_COMMAND: how to start lfs-lazy when it is not on PATH ("node /opt/lfs-lazy/main.js").
    return shlex.split(os.environ.get("LFS_LAZY_COMMAND", "lfs-lazy"))


class _CoProcess:
    """One `lfs-lazy <kind> --batch -z` process: requests and answers end with NUL."""

    def __init__(self, kind, repo, rev, jobs, command):
        args = [*command, kind, "--batch", "-z", "-j", str(jobs)]
        if rev is not None:
            args += ["--rev", rev]
        self.proc = subprocess.Popen(args, cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, request):
        self.proc.stdin.write(request + b"\0")
        self.proc.stdin.flush()

    def read_until_nul(self):
        out = self.proc.stdout
        parts = []
        while True:
            chunk = out.peek(1 << 16)
            if not chunk:
                raise EOFError(self._ended())
            nul = chunk.find(b"\0")
            if nul >= 0:
                parts.append(out.read(nul + 1)[:-1])
                return b"".join(parts)
            parts.append(out.read(len(chunk)))

    def read_exactly(self, size):
        data = self.proc.stdout.read(size)
        if data is None or len(data) != size:
            raise EOFError(self._ended())
        return data

    def _ended(self):
        code = self.proc.poll()
        return f"lfs-lazy batch ended unexpectedly (exit status {code}); its error is on stderr"

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait()
        self.proc.stdout.close()


class BatchReader:
    """Reads files one at a time through long-running `lfs-lazy cat|path --batch` processes.

    repo: the repository (any directory inside it); rev: read every file as that commit has it
    (resolved once, when the first read starts its process); jobs: lfs-lazy's -j (it fetches up to
    that many ahead of the answer it writes; with one request at a time only one is in flight);
    command: how to run lfs-lazy, a list (default: $LFS_LAZY_COMMAND, else `lfs-lazy`).

    Safe to use from threads (one request at a time per process). A process that forks (a data
    loader's workers) gets its own co-processes in the child, started there on first use.
    """

    def __init__(self, repo=".", rev=None, jobs=8, command=None):
        self.repo = os.fspath(repo)
        self.rev = rev
        self.jobs = jobs
        self.command = list(command) if command is not None else _default_command()
        self._procs = {}
        self._pid = os.getpid()
        # One lock per co-process: its requests and answers must not interleave.
        self._locks = {"cat": threading.Lock(), "path": threading.Lock()}
        self._streaming = {}

    def read(self, path):
        """The content of the file at `path`, as bytes."""
        return self._one("cat", path)

    def local_path(self, path):
        """The absolute path of a verified local file holding the content of `path`."""
        return self._one("path", path)

    def _one(self, kind, path):
        request = self._request(path)
        self._refuse_nested(kind)
        with self._locks[kind]:
            proc = self._proc(kind)
            proc.ask(request)
            result = self._read_answer(kind, proc, request, path)
        if isinstance(result, BatchReadError):
            raise result
        return result

    def iter_read(self, paths):
        """Yields (path, bytes) for each path, in order; (path, BatchReadError) for one that
        cannot be read. The paths are sent ahead from a thread, so lfs-lazy fetches up to `jobs`
        of them at once while this reads the answers."""
        return self._pipelined("cat", paths)

    def iter_local_paths(self, paths):
        """Yields (path, local path) for each path, in order; (path, BatchReadError) for one that
        cannot be given. Sent ahead as iter_read does."""
        return self._pipelined("path", paths)

    def _pipelined(self, kind, paths):
        requests = [(path, self._request(path)) for path in paths]
        self._refuse_nested(kind)
        with self._locks[kind]:
            self._streaming[kind] = threading.get_ident()
            proc = self._proc(kind)
            sender = threading.Thread(target=self._send_all, args=(proc, [r for _, r in requests]), daemon=True)
            sender.start()
            answered = 0
            try:
                for path, request in requests:
                    result = self._read_answer(kind, proc, request, path)
                    answered += 1
                    yield path, result
            finally:
                # A consumer that stops early: the answers still coming are read and dropped, so
                # the next request gets its own answer.
                for path, request in requests[answered:]:
                    self._read_answer(kind, proc, request, path)
                sender.join()
                del self._streaming[kind]

    @staticmethod
    def _send_all(proc, requests):
        try:
            for request in requests:
                proc.ask(request)
        except (BrokenPipeError, ValueError):
            pass  # the process went away: the reading side reports it

    def _read_answer(self, kind, proc, request, path):
        try:
            if kind == "path":
                answer = proc.read_until_nul()
                if answer.startswith(request + b" error "):
                    raise BatchReadError(path, os.fsdecode(answer[len(request) + 7:]))
                return os.fsdecode(answer)
            size = self._answer(request, proc.read_until_nul(), path)
            data = proc.read_exactly(int(size))
            proc.read_exactly(1)  # the NUL after the bytes
            return data
        except BatchReadError as err:
            return err

    def _refuse_nested(self, kind):
        # This thread is iterating over answers of the same co-process: a request now would wait
        # for the iteration to end, which waits for this thread.
        if self._streaming.get(kind) == threading.get_ident():
            raise RuntimeError(f"a {kind} request inside an iteration over {kind} answers of the same BatchReader: use another reader")

    def close(self):
        with self._locks["cat"], self._locks["path"]:
            procs, self._procs = self._procs, {}
        if self._pid == os.getpid():
            for proc in procs.values():
                proc.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def _request(path):
        request = path if isinstance(path, bytes) else os.fsencode(path)
        if b"\0" in request or not request:
            raise ValueError(f"not a file name: {path!r}")
        return request

    @staticmethod
    def _answer(request, header, path):
        # "<request> <size>" or "<request> error <message>": the request's own bytes come first.
        if not header.startswith(request + b" "):
            raise EOFError(f"unexpected answer {header[:200]!r} to {path!r}")
        rest = header[len(request) + 1:]
        if rest.isdigit():
            return rest
        if rest.startswith(b"error "):
            raise BatchReadError(path, os.fsdecode(rest[6:]))
        raise EOFError(f"unexpected answer {header[:200]!r} to {path!r}")

    def _proc(self, kind):
        if self._pid != os.getpid():
            # A forked child: the parent's pipes are not ours to use.
            self._procs, self._pid = {}, os.getpid()
        proc = self._procs.get(kind)
        if proc is None:
            proc = self._procs[kind] = _CoProcess(kind, self.repo, self.rev, self.jobs, self.command)
        return proc


class LazyFileDataset:
    """A map-style dataset in PyTorch's shape (__len__, __getitem__), without torch: item i is
    `transform(bytes of paths[i])`, read on demand through a BatchReader."""

    def __init__(self, paths, repo=".", rev=None, transform=None, command=None):
        self.paths = list(paths)
        self.reader = BatchReader(repo, rev=rev, command=command)
        self.transform = transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        data = self.reader.read(self.paths[index])
        return self.transform(data) if self.transform else data


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="Print size, SHA-256 and path of files read through lfs-lazy cat --batch.")
    parser.add_argument("--repo", default=".")
    parser.add_argument("--rev")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    failed = 0
    with BatchReader(args.repo, rev=args.rev) as reader:
        for path in args.paths:
            try:
                data = reader.read(path)
            except BatchReadError as err:
                failed = 1
                print(f"error {err.message}", flush=True)
                continue
            print(f"{len(data)} {hashlib.sha256(data).hexdigest()} {path}", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
