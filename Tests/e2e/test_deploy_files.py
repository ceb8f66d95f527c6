"""The deployment files under Examples/deploy, checked without a container engine: the Dockerfile's runtime
packages against what the proxy binary links (ldd, dpkg), its user, port and health check (run against a real
proxy); the Kubernetes manifests (probes, grace period, config mount, secrets) with their config.yaml read by
the real binary; haproxy.cfg through `haproxy -c`. Nothing here leaves loopback: `check`, which probes
providers and the store, runs in a network namespace of its own with no interface up."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import free_port, proxy_env_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "Examples" / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
KUBERNETES = DEPLOY / "kubernetes"
HAPROXY_CONFIG = DEPLOY / "haproxy.cfg"

# The one package the runtime image installs that owns no library the binary loads: the roots for TLS to
# providers and to PostgreSQL with sslmode=verify-full.
DOCUMENTED_EXTRAS = {"ca-certificates"}


def yaml_module():
    try:
        import yaml
    except ImportError:
        pytest.fail("PyYAML is missing from the e2e venv: add PyYAML to Tests/e2e/requirements.txt", pytrace=False)
    return yaml


# ---------------------------------------------------------------------------------------------------------
# Dockerfile


class Stage:
    def __init__(self, base: str):
        self.base = base
        self.instructions: list[tuple[str, str]] = []

    def all(self, keyword: str) -> list[str]:
        return [args for word, args in self.instructions if word == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None


def dockerfile_stages(text: str) -> list[Stage]:
    """The Dockerfile's stages in order, each with its instructions (continuation lines joined, comments
    dropped). ARG defaults are substituted into FROM lines."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    logical = ""
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue  # a comment, also inside a continued instruction
        if raw.rstrip().endswith("\\"):
            logical += raw.rstrip()[:-1] + " "
            continue
        logical += raw
        if logical.strip():
            lines.append(logical.strip())
        logical = ""
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        rest = rest.strip()
        if word == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
            continue
        if word == "FROM":
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), rest.split()[0])
            stages.append(Stage(image))
            continue
        assert stages, f"Dockerfile: {word} before any FROM"
        stages[-1].instructions.append((word, rest))
    return stages


def apt_installed_packages(stage: Stage) -> set[str]:
    """Package names given to `apt-get install` in the stage's RUN instructions."""
    packages: set[str] = set()
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;|\|\|", run):
            try:
                words = shlex.split(command)
            except ValueError:  # a quote cut in two by the split: not an apt-get line worth reading
                continue
            if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                after = words[words.index("install") + 1:]
                packages.update(w.split("=")[0] for w in after if not w.startswith("-"))
    return packages


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"not the exec (JSON) form: {args}"
    return value


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    found = dockerfile_stages(DOCKERFILE.read_text())
    assert len(found) >= 2, "Examples/deploy/Dockerfile should have a build stage and a runtime stage"
    return found


@pytest.fixture(scope="module")
def runtime(stages) -> Stage:
    return stages[-1]


# --- what the binary links, as Debian packages ------------------------------------------------------------


def linked_libraries(binary: str) -> list[tuple[str, str]]:
    """(soname, resolved path) for every shared library `ldd` lists, the dynamic loader included."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"ldd {binary} failed: {out.stderr}"
    libraries = []
    for line in out.stdout.splitlines():
        line = line.strip()
        if "not found" in line:
            pytest.fail(f"ldd {binary}: {line}", pytrace=False)
        match = re.match(r"(\S+) => (/\S+) \(0x", line) or re.match(r"((/\S+)) \(0x", line)
        if match:
            libraries.append((os.path.basename(match.group(1)), match.group(2)))
    return libraries


def path_candidates(path: str) -> list[str]:
    """The names dpkg may have recorded for a library: with usr-merge a file under /lib is often listed
    under /usr/lib, or the other way round, and the package ships the versioned file the soname points to."""
    names = []
    for p in (path, os.path.realpath(path)):
        names.append(p)
        if p.startswith("/usr/"):
            names.append(p[len("/usr"):])
        else:
            names.append("/usr" + p)
    return list(dict.fromkeys(names))


def owning_packages(paths: list[str]) -> dict[str, str]:
    """Library path → the Debian package that owns it (without :arch); paths no package owns are left out."""
    candidates = {c: p for p in paths for c in path_candidates(p)}
    out = subprocess.run(["dpkg-query", "-S", *candidates], capture_output=True, text=True, timeout=60)
    owners: dict[str, str] = {}
    for line in out.stdout.splitlines():
        if line.startswith("diversion "):
            continue
        package_list, _, file = line.partition(": ")
        if file in candidates:
            # "libc6:amd64, libc6:i386: /path" for a file several architectures' packages ship
            owners.setdefault(candidates[file], package_list.split(", ")[0].split(":")[0])
    return owners


class InstalledPackages:
    """This machine's dpkg database: dependencies, Provides, and what a minimal Debian system (Essential and
    Priority: required, with their dependencies — what debian:*-slim holds) already has."""

    def __init__(self):
        fmt = "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n"
        out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, timeout=60, check=True)
        self.depends: dict[str, list[list[str]]] = {}
        self.provided_by: dict[str, list[str]] = {}
        self.minimal_roots: set[str] = set()
        for line in out.stdout.splitlines():
            status, name, essential, priority, pre_depends, depends, provides = line.split("\t")
            if not status.startswith("ii"):
                continue
            groups = f"{pre_depends},{depends}".split(",")
            self.depends[name] = [self._alternatives(group) for group in groups if group.strip()]
            for virtual in provides.split(","):
                if virtual.strip():
                    self.provided_by.setdefault(self._name(virtual), []).append(name)
            if essential == "yes" or priority == "required":
                self.minimal_roots.add(name)
        self.minimal = self.closure(self.minimal_roots)

    @staticmethod
    def _name(text: str) -> str:
        return re.sub(r"\s*\(.*?\)", "", text).strip().split(":")[0]

    def _alternatives(self, group: str) -> list[str]:
        return [self._name(alternative) for alternative in group.split("|")]

    def _resolve(self, alternatives: list[str]) -> str | None:
        """What apt would have chosen: the first alternative installed here, a virtual one by its provider."""
        for name in alternatives:
            if name in self.depends:
                return name
            for provider in self.provided_by.get(name, []):
                return provider
        return None

    def closure(self, roots: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for group in self.depends.get(name, []):
                chosen = self._resolve(group)
                if chosen and chosen not in seen:
                    stack.append(chosen)
        return seen


def os_codename() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return ""
    match = re.search(r"^VERSION_CODENAME=(\S+)", text, re.M)
    return match.group(1).strip('"') if match else ""


def test_runtime_image_installs_exactly_the_packages_the_binary_links(proxy_bin, runtime):
    """Every Debian package owning a library the binary loads is in the slim base image, installed by the
    Dockerfile, or a dependency of one it installs; and the Dockerfile installs nothing else but the documented
    extras — no package the base image already has, none the binary does not load."""
    codename = os_codename()
    base = runtime.base
    if not codename or codename not in base:
        pytest.skip(f"the runtime image is {base}, this machine is Debian '{codename or 'unknown'}': "
                    "its dpkg database says nothing about that release's packages")
    if shutil.which("dpkg-query") is None or shutil.which("ldd") is None:
        pytest.skip("needs dpkg-query and ldd (a Debian machine)")

    libraries = linked_libraries(proxy_bin)
    # A debug build links the Swift runtime from the toolchain; the image's build is --static-swift-stdlib,
    # so those libraries are inside the binary there. They sit beside libswiftCore.so.
    swift_dirs = {os.path.dirname(path) for soname, path in libraries if soname.startswith("libswiftCore")}
    system = [(soname, path) for soname, path in libraries if os.path.dirname(path) not in swift_dirs]
    owners = owning_packages([path for _, path in system])
    unowned = [f"{soname} ({path})" for soname, path in system if path not in owners]
    assert not unowned, f"libraries no Debian package owns (outside the Swift toolchain): {unowned}"
    linked = set(owners.values())

    dpkg = InstalledPackages()
    installed = apt_installed_packages(runtime)
    assert installed, "the runtime stage installs no packages with apt-get install"
    assert DOCUMENTED_EXTRAS <= installed, \
        f"the runtime stage should install {sorted(DOCUMENTED_EXTRAS)}: TLS to providers needs the CA roots"
    # The extras are there for their files, not for libraries: their dependencies do not count as providing
    # any (ca-certificates pulls in openssl, and so libssl3, which would hide a missing libcurl4).
    listed = installed - DOCUMENTED_EXTRAS
    not_installed_here = sorted(p for p in listed if p not in dpkg.depends)
    assert not not_installed_here, \
        f"{not_installed_here} are not installed on this machine, so their dependencies cannot be followed"

    unneeded = sorted(listed - linked)
    assert not unneeded, f"the runtime stage installs {unneeded}, which own(s) no library the binary loads"
    already_there = sorted(listed & dpkg.minimal)
    assert not already_there, f"the runtime stage installs {already_there}, already in {base}"
    missing = sorted(linked - dpkg.closure(dpkg.minimal_roots | listed))
    assert not missing, (f"the binary loads libraries of {missing}, which neither {base} nor the runtime stage's "
                         f"packages ({sorted(listed)}) bring")


# --- user, port, health check, entry point ------------------------------------------------------------------


def test_build_stage_links_the_swift_runtime_statically(stages):
    runs = " ".join(" ".join(stage.all("RUN")) for stage in stages[:-1])
    assert "swift build" in runs and "--static-swift-stdlib" in runs and "-c release" in runs
    assert "--product claude-code-proxy" in runs


def test_runtime_stage_runs_as_a_fixed_non_root_uid(runtime):
    user = runtime.last("USER")
    assert user, "the runtime stage has no USER: it would run as root"
    uid = user.split(":")[0]
    # Numeric, so that Kubernetes' runAsNonRoot can check it without the image's /etc/passwd.
    assert uid.isdigit() and int(uid) != 0, f"USER {user}: want a numeric, non-zero UID"


def test_runtime_stage_exposes_8082_and_stops_on_sigterm(runtime):
    ports = {p.split("/")[0] for expose in runtime.all("EXPOSE") for p in expose.split()}
    assert "8082" in ports, f"EXPOSE {sorted(ports)}: want 8082, server.port's default"
    assert runtime.last("STOPSIGNAL") in ("SIGTERM", "15")


def entrypoint(runtime) -> list[str]:
    value = runtime.last("ENTRYPOINT")
    assert value, "the runtime stage has no ENTRYPOINT"
    return exec_form(value)


def test_entrypoint_serves_the_config_under_etc(runtime):
    command = entrypoint(runtime)
    assert command[1:] == ["serve", "--config", "/etc/claude-code-proxy/config.yaml"], command
    copies = [c.split() for c in runtime.all("COPY")]
    assert any(c[-1] == command[0] and any(a.startswith("--from=") for a in c) for c in copies), \
        f"{command[0]} is not copied from the build stage"


def test_provider_profiles_sit_where_the_binary_finds_them_outside_the_config_mount(runtime):
    """Profiles are looked up beside the config, in the working directory, and in ../share/claude-code-proxy/
    providers from the binary. The image uses the last, so a ConfigMap mounted over /etc/claude-code-proxy
    cannot hide them."""
    binary = entrypoint(runtime)[0]
    expected = os.path.normpath(os.path.join(os.path.dirname(binary), "../share/claude-code-proxy/providers"))
    copies = [c.split() for c in runtime.all("COPY")]
    assert ["providers", expected] in [c[-2:] for c in copies if not any(a.startswith("--from=") for a in c)], \
        f"providers/ should be copied to {expected}"
    assert not expected.startswith("/etc/claude-code-proxy")


def healthcheck_command(runtime) -> list[str]:
    value = runtime.last("HEALTHCHECK")
    assert value, "the runtime stage has no HEALTHCHECK"
    _, _, command = value.partition("CMD")
    return exec_form(command.strip())


def test_healthcheck_asks_for_health_on_8082_with_what_the_image_has(runtime):
    command = healthcheck_command(runtime)
    assert "/health" in " ".join(command) and "8082" in " ".join(command)
    # bookworm-slim has bash but no curl or wget; the runtime stage installs neither.
    assert command[0] in ("bash", "/bin/bash"), command
    assert not {"curl", "wget"} & apt_installed_packages(runtime)


def test_healthcheck_passes_against_a_serving_proxy_and_fails_without_one(runtime, make_proxy):
    """The image's HEALTHCHECK command itself, pointed at a real proxy on a loopback port, then at a closed one."""
    command = healthcheck_command(runtime)
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the image's health check"
    proxy = make_proxy(proxy_env_for("http://127.0.0.1:9"))
    serving = [bash, *[arg.replace("8082", str(proxy.port)) for arg in command[1:]]]
    result = subprocess.run(serving, capture_output=True, text=True, timeout=15)
    assert result.returncode == 0, f"health check failed against a serving proxy: {result.stderr}"
    closed = [bash, *[arg.replace("8082", str(free_port())) for arg in command[1:]]]
    result = subprocess.run(closed, capture_output=True, text=True, timeout=15)
    assert result.returncode != 0, "the health check passed with nothing listening"


# ---------------------------------------------------------------------------------------------------------
# Kubernetes


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    """Every document of every manifest, by kind; each file must parse and name its kind."""
    yaml = yaml_module()
    by_kind: dict[str, dict] = {}
    files = sorted(KUBERNETES.glob("*.yaml"))
    assert files, f"no manifests in {KUBERNETES}"
    for path in files:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert documents, f"{path.name} holds no document"
        for document in documents:
            assert isinstance(document, dict) and document.get("apiVersion") and document.get("kind"), \
                f"{path.name}: a document without apiVersion and kind"
            assert document.get("metadata", {}).get("name"), f"{path.name}: a {document['kind']} without a name"
            assert document["kind"] not in by_kind, f"two manifests of kind {document['kind']}"
            by_kind[document["kind"]] = document
    for kind in ("Deployment", "Service", "ConfigMap", "Secret"):
        assert kind in by_kind, f"no {kind} among the manifests"
    return by_kind


@pytest.fixture(scope="module")
def proxy_config_text(manifests) -> str:
    text = manifests["ConfigMap"].get("data", {}).get("config.yaml")
    assert isinstance(text, str) and text.strip(), "the ConfigMap has no config.yaml"
    return text


def proxy_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per pod expected"
    return containers[0]


def test_deployment_probes_hit_health_on_the_container_port(manifests):
    container = proxy_container(manifests["Deployment"])
    ports = container.get("ports", [])
    by_name = {p.get("name"): p["containerPort"] for p in ports}
    assert 8082 in by_name.values(), f"container ports {ports}: want 8082"
    for probe in ("readinessProbe", "livenessProbe"):
        get = container.get(probe, {}).get("httpGet")
        assert get, f"{probe} should be an httpGet"
        assert get.get("path") == "/health", f"{probe} path {get.get('path')}"
        port = by_name.get(get["port"], get["port"])
        assert port == 8082, f"{probe} port {get['port']} is not the container port 8082"


def test_termination_grace_exceeds_twice_the_shutdown_grace_period(manifests, proxy_config_text):
    """On SIGTERM: running requests get shutdown_grace_period, then the ledger's flush up to as long again;
    a preStop pause runs before SIGTERM and counts against the same budget."""
    yaml = yaml_module()
    server = (yaml.safe_load(proxy_config_text) or {}).get("server") or {}
    grace = float(server.get("shutdown_grace_period", 10))
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    termination = pod.get("terminationGracePeriodSeconds", 30)
    pause = 0.0
    pre_stop = proxy_container(manifests["Deployment"]).get("lifecycle", {}).get("preStop", {})
    command = pre_stop.get("exec", {}).get("command", [])
    if command[:1] == ["sleep"]:
        pause = float(command[1])
    pause += float(pre_stop.get("sleep", {}).get("seconds", 0))
    assert termination > 2 * grace + pause, (
        f"terminationGracePeriodSeconds {termination} ≤ 2 × shutdown_grace_period {grace} + preStop {pause}: "
        "the kubelet would SIGKILL the proxy while it flushes its usage ledger")


def test_config_is_mounted_as_a_directory_from_the_configmap(manifests):
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    mounts = [m for m in proxy_container(manifests["Deployment"]).get("volumeMounts", [])
              if m.get("mountPath", "").rstrip("/") == "/etc/claude-code-proxy"]
    assert len(mounts) == 1, "the config directory /etc/claude-code-proxy should be mounted once"
    # A subPath mount is never updated by kubelet: config reloads would silently stop.
    assert "subPath" not in mounts[0] and "subPathExpr" not in mounts[0]
    volume = next(v for v in pod["volumes"] if v["name"] == mounts[0]["name"])
    assert volume.get("configMap", {}).get("name") == manifests["ConfigMap"]["metadata"]["name"]


def test_pods_run_non_root_with_a_read_only_root_and_the_images_uid(manifests, runtime):
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    container = proxy_container(manifests["Deployment"])
    security = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    assert security.get("runAsNonRoot") is True
    assert container.get("securityContext", {}).get("readOnlyRootFilesystem") is True
    uid = runtime.last("USER").split(":")[0]
    if "runAsUser" in security:
        assert str(security["runAsUser"]) == uid, f"runAsUser {security['runAsUser']} is not the image's UID {uid}"
    assert container.get("resources", {}).get("requests"), "the container should request resources"


def config_variables(text: str) -> set[str]:
    """The ${VAR} references without a default (${VAR:-default} works unset)."""
    return {m.group(1) for m in re.finditer(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}", text) if not m.group(2)}


def test_secret_provides_every_variable_of_the_config_and_the_configmap_holds_none(manifests, proxy_config_text):
    secret = manifests["Secret"]
    provided = set((secret.get("stringData") or {}) | (secret.get("data") or {}))
    needed = config_variables(proxy_config_text)
    assert needed, "the ConfigMap's config.yaml references no variables: where do its secrets come from?"
    assert needed <= provided, f"config.yaml uses {sorted(needed - provided)}, which the Secret does not hold"
    container = proxy_container(manifests["Deployment"])
    sources = [s.get("secretRef", {}).get("name") for s in container.get("envFrom", [])]
    assert secret["metadata"]["name"] in sources, "the Deployment does not take its environment from the Secret"
    assert "store" in proxy_config_text and "postgresql://" in proxy_config_text
    assert not re.search(r"postgresql://[^:@/]+:(?!\$\{)", proxy_config_text), "a password written into the ConfigMap"


def test_migrate_job_runs_migrate_with_the_same_config(manifests):
    job = manifests.get("Job")
    if job is None:
        pytest.skip("no migrate Job among the manifests (it is optional)")
    container = job["spec"]["template"]["spec"]["containers"][0]
    command = container.get("command", []) + container.get("args", [])
    assert "migrate" in command and "/etc/claude-code-proxy/config.yaml" in command, command
    assert job["spec"]["template"]["spec"].get("restartPolicy") in ("Never", "OnFailure")


def network_isolated(command: list[str]) -> list[str]:
    """`command` in a new network namespace with no interface up, so probes reach nothing, not even loopback:
    as root (`unshare -n`), else in a user namespace of its own (`unshare -rn`)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("this test needs `unshare` (util-linux) to keep `check` off the network", pytrace=False)
    for prefix in ([unshare, "-n"], [unshare, "-r", "-n"]):
        if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
            return [*prefix, *command]
    pytest.fail("unshare -n needs root or CAP_SYS_ADMIN (and unshare -rn unprivileged user namespaces)", pytrace=False)


def test_configmap_config_is_accepted_by_the_binary(proxy_bin, proxy_config_text, tmp_path):
    """`check` reads the config as `serve` would, then probes each provider and the store. Probes fail in the
    isolated namespace and are ignored; a config problem is a `FILE:LINE:COL: message` line."""
    config = tmp_path / "config.yaml"
    config.write_text(proxy_config_text)
    shutil.copytree(ROOT / "providers", tmp_path / "providers")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update({name: f"dummy-{name.lower()}" for name in config_variables(proxy_config_text)})
    result = subprocess.run(network_isolated([proxy_bin, "check", "--config", str(config)]),
                            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    output = result.stdout + result.stderr
    problems = [line for line in output.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]
    assert not problems, "config.yaml problems:\n" + "\n".join(problems)
    assert "settings from" in result.stdout, output
    assert "no API key" not in output, output
    assert result.returncode in (0, 1), output


# ---------------------------------------------------------------------------------------------------------
# HAProxy


def test_haproxy_config_is_valid_with_its_placeholders_filled(tmp_path):
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None)
    if haproxy is None:
        pytest.skip("haproxy is not installed (scripts/install-deps --tests installs it)")
    text = HAPROXY_CONFIG.read_text()
    settings = "\n".join(line.split("#")[0] for line in text.splitlines())
    placeholders = set(re.findall(r"@[A-Z0-9_]+@", settings))
    assert placeholders == {"@LISTEN_PORT@", "@REPLICA_1@", "@REPLICA_2@", "@REPLICA_3@"}, sorted(placeholders)
    text = text.replace("@LISTEN_PORT@", str(free_port()))
    for index in (1, 2, 3):
        text = text.replace(f"@REPLICA_{index}@", f"127.0.0.1:{free_port()}")
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    result = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "option httpchk GET /health" in settings
