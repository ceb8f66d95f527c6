"""Running a Claude Code scenario script (which runs the real CLI, bundled in the claude-agent-sdk wheel)
inside a loopback-only network namespace of its own (`unshare -n`), from a test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def claude_binary() -> str:
    import claude_agent_sdk

    path = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    if not path.exists():
        pytest.fail(f"the claude-agent-sdk wheel has no bundled CLI at {path}", pytrace=False)
    return str(path)


def run_in_namespace(script: Path, args: list[str], tmp_path: Path, timeout: float = 240) -> dict:
    """`unshare -n python3 SCRIPT ARGS --base DIR --out RESULT.json`, then the result it wrote. The script
    must finish within `timeout` seconds; past that it gets SIGTERM, cleans up and still writes its result."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("ip") is None:
        pytest.fail("the Claude Code scenario needs `unshare` (util-linux) and `ip` (iproute2)", pytrace=False)
    out = tmp_path / "result.json"
    base = tmp_path / "scenario"
    base.mkdir()
    cmd = [unshare, "-n", sys.executable, str(script), *args, "--base", str(base), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the scenario cleans up (claude, proxy, upstreams) and still writes its result
        try:
            stdout, stderr = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate(timeout=10)
    if not out.exists():
        pytest.fail(f"the scenario wrote no result (exit {proc.returncode}); unshare -n needs root or "
                    f"CAP_SYS_ADMIN.\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}", pytrace=False)
    result = json.loads(out.read_text())
    # Keep the whole record next to the test's tmp dir for debugging, and show the essentials on failure.
    result["_path"] = str(out)
    return result
