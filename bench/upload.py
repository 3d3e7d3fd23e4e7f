"""Benchmark of resumable uploads (ciic/projects/tus.py), run by hand:

    .venv/bin/python bench/upload.py [--size-mb 1024] [--chunk-mb 64]

Sets up a throw-away platform (SQLite and media in a temporary directory, the CIIC 2023 spec,
two demo teams), starts Django's server in its own process, uploads one video of
``--size-mb`` MB with tuspy (the standard Python tus client) in ``--chunk-mb`` PATCHes, and
prints one line:

    size_mb=... seconds=... upload_mb_s=... disk_mb_s=... server_rss_before_mb=...
    server_peak_mb=... server_growth_mb=... sha256_match=...

``server_peak_mb`` is the server process's peak resident memory (VmHWM) after the upload,
``server_rss_before_mb`` its resident memory just before it: their difference is what
receiving the file cost. ``disk_mb_s`` is plain sequential writes of the same size in 8 MB
blocks with an fsync, on the same file system, for comparison: the server writes each byte
twice (the partial file, then the content-checked copy that is moved into storage) and hashes
it, so a ratio near 0.5 is what streaming can reach.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BLOCK = 8 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vm(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _make_video(path: Path, size: int) -> str:
    """An MP4 by its header (what the content check looks at), zero-padded to `size`."""
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        fh.write(header)
        digest.update(header)
        left = size - len(header)
        block = os.urandom(BLOCK)  # incompressible, so no file system trick helps
        while left > 0:
            piece = block[: min(BLOCK, left)]
            fh.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def _disk_write_speed(directory: Path, size: int) -> float:
    path = directory / "plain-write.bin"
    block = os.urandom(BLOCK)
    started = time.perf_counter()
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(block[: min(BLOCK, left)])
            left -= BLOCK
        fh.flush()
        os.fsync(fh.fileno())
    seconds = time.perf_counter() - started
    path.unlink()
    return size / 1024 / 1024 / seconds


SETUP = """
from ciic.accounts.services import issue_api_token
from ciic.projects.models import Project
project = Project.objects.order_by("pk").first()
_token, key = issue_api_token(user=project.team.lead, name="bench")
print(project.pk, key)
"""

CHECK = """
from ciic.projects.models import DraftMaterial
m = DraftMaterial.objects.get(project_id={pk}, material_type__code="video")
print(m.file.sha256, m.file.size)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=64)
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024

    from tusclient import client as tus_client

    with tempfile.TemporaryDirectory(prefix="ciic-upload-bench-", dir=ROOT / "var" if (ROOT / "var").is_dir() else None) as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "MEDIA_ROOT": str(tmp / "media"),
               "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
               "LOG_LEVEL": "WARNING"}
        manage = [PY, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*manage, "demo_setup", "--teams", "2"], env=env, check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True)
        project_id, key = out.stdout.split()[-2:]

        source = tmp / "video.mp4"
        print(f"# writing a {args.size_mb} MB test video ...", flush=True)
        expected = _make_video(source, size)
        disk = _disk_write_speed(tmp, size)

        port = _free_port()
        server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            tus = tus_client.TusClient(f"http://127.0.0.1:{port}/projects/tus/",
                                       headers={"Authorization": f"Bearer {key}"})
            warm = io.BytesIO(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096))
            tus.uploader(file_stream=warm, chunk_size=1024, metadata={  # warm-up: imports, first requests
                "filename": "warm.mp4", "project": project_id, "material_type": "video"}).upload()
            before = _vm(server.pid, "VmRSS")
            uploader = tus.uploader(file_path=str(source), chunk_size=args.chunk_mb * 1024 * 1024, metadata={
                "filename": "介绍视频.mp4", "project": project_id, "material_type": "video"})
            started = time.perf_counter()
            uploader.upload()
            seconds = time.perf_counter() - started
            peak = _vm(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait()
        stored = subprocess.run([*manage, "shell", "-c", CHECK.format(pk=project_id)], env=env, check=True,
                                capture_output=True, text=True).stdout.split()[-2:]
        print(f"size_mb={args.size_mb} chunk_mb={args.chunk_mb} seconds={seconds:.1f} "
              f"upload_mb_s={args.size_mb / seconds:.0f} disk_mb_s={disk:.0f} "
              f"server_rss_before_mb={before:.0f} server_peak_mb={peak:.0f} server_growth_mb={peak - before:.0f} "
              f"sha256_match={stored[0] == expected and int(stored[1]) == size}")


if __name__ == "__main__":
    main()
