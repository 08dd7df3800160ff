//! A fake `docker` (and `curl`) put first on PATH: records its argv and answers like
//! docker/ollama would, because test machines have no Docker engine.
//!
//! Behaviour is set through the environment of the process under test:
//! - `FAKE_DOCKER_ENGINE=down`: `docker info` fails like an unreachable daemon;
//! - `FAKE_OLLAMA_MODELS="a:1 b:latest=5b73bed31ecb"`: what `docker exec <c> ollama list` lists
//!   (with that ID, else `0123456789ab`);
//! - `FAKE_OLLAMA_STATE=<dir>`: `docker exec <c> ollama list|cp|rm|pull` work on the models of a
//!   [`crate::ollama::FakeOllama`] instead (the same ones its HTTP API serves);
//! - `FAKE_DOCKER_DF=<text>`: what `docker system df` prints;
//! - `FAKE_DOCKER_FAIL=<text>`: any docker call whose argv contains `<text>` exits 1;
//! - `FAKE_DOCKER_IMAGE_VERSION=0.5.0`: what `docker inspect` answers for the
//!   `org.opencontainers.image.version` label (no answer when unset);
//! - `FAKE_DOCKER_MANIFESTS="ghcr.io/o/app:0.5.0=sha256:HEX other:1=sha256:A,sha256:B"`: what
//!   the registry holds for `docker manifest inspect [--verbose] REF` — one manifest (linux/amd64)
//!   or, with several digests, a manifest list (linux/amd64, linux/arm64, ...). `--verbose`
//!   prints docker's `{"Ref", "Descriptor", "OCIManifest"}` object (an array of them for a
//!   list), without it the manifest itself; any other REF is `no such manifest: REF`, exit 1.
//!
//! `docker compose` keeps state per project directory (the working directory, as compose
//! resolves it): `up` starts the project's containers, `down` stops them, `ps` lists the running
//! ones (one id per service line of `FAKE_COMPOSE_SERVICES`, default four), and `down
//! --volumes`/`-v` records the volumes as removed. [`FakeDocker::running`] reads it.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const DOCKER: &str = r#"#!/bin/sh
echo "docker $*" >> "$FAKE_DOCKER_LOG"
# `ollama list|cp|rm|pull` on the state files of testkit::ollama (lines: name digest size quant).
fake_ollama() {
  installed="$FAKE_OLLAMA_STATE/installed"; registry="$FAKE_OLLAMA_STATE/registry"
  full() { case "$1" in *:*) echo "$1";; *) echo "$1:latest";; esac; }
  case "$2" in
    list|ls)
      echo "NAME                     ID              SIZE      MODIFIED"
      awk '{ g = $3 / 1e9; s = (g >= 10) ? sprintf("%d GB", g) : sprintf("%.1f GB", g);
             printf "%s    %s    %s    2 days ago\n", $1, substr($2, 1, 12), s }' "$installed";;
    cp)
      src=$(full "$3"); dst=$(full "$4")
      line=$(awk -v n="$src" '$1 == n' "$installed")
      [ -n "$line" ] || { echo "Error: model \"$3\" not found" >&2; return 1; }
      awk -v n="$dst" '$1 != n' "$installed" > "$installed.tmp"
      echo "$line" | awk -v n="$dst" '{ $1 = n; print }' | cat - "$installed.tmp" > "$installed.new"
      mv "$installed.new" "$installed"; rm -f "$installed.tmp"
      echo "copied '$3' to '$4'";;
    rm)
      name=$(full "$3")
      awk -v n="$name" '$1 == n' "$installed" | grep -q . || { echo "Error: model '$3' not found" >&2; return 1; }
      awk -v n="$name" '$1 != n' "$installed" > "$installed.new"; mv "$installed.new" "$installed"
      echo "deleted '$3'";;
    pull)
      name=$(full "$3")
      echo "pulling manifest"
      line=$(awk -v n="$name" '$1 == n' "$registry")
      [ -n "$line" ] || { echo "Error: pull model manifest: file does not exist" >&2; return 1; }
      awk -v n="$name" '$1 != n' "$installed" > "$installed.tmp"
      echo "$line" | cat - "$installed.tmp" > "$installed.new"
      mv "$installed.new" "$installed"; rm -f "$installed.tmp"
      echo "success";;
    *) echo "fake ollama: $*";;
  esac
}
if [ -n "${FAKE_DOCKER_FAIL:-}" ]; then
  case "$*" in *"$FAKE_DOCKER_FAIL"*) echo "fake docker: failing on request: $*" >&2; exit 1;; esac
fi
case "$1" in
  info)
    if [ "${FAKE_DOCKER_ENGINE:-up}" = down ]; then
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
      exit 1
    fi
    echo "27.3.1";;
  exec)
    shift; container="$1"; shift
    if [ "$1" = ollama ] && [ -n "${FAKE_OLLAMA_STATE:-}" ]; then
      fake_ollama "$@"; exit $?
    elif [ "$1" = ollama ] && [ "$2" = list ]; then
      echo "NAME                     ID              SIZE      MODIFIED"
      for model in ${FAKE_OLLAMA_MODELS:-}; do
        id=0123456789ab; case "$model" in *=*) id=${model#*=}; model=${model%%=*};; esac
        echo "$model    $id    4.7 GB    2 days ago"
      done
    else
      echo "ran in $container: $*"
    fi;;
  system)
    if [ "$2" = df ]; then
      printf '%s\n' "${FAKE_DOCKER_DF:-TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
Images          4         4         9.1GB     0B (0%)
Local Volumes   3         3         12.3GB    0B (0%)}"
    else
      echo "fake docker: $*"
    fi;;
  inspect)
    case "$*" in
      *org.opencontainers.image.version*) echo "${FAKE_DOCKER_IMAGE_VERSION:-}";;
      *) echo "fake docker: $*";;
    esac;;
  manifest)
    [ "$2" = inspect ] || { echo "fake docker: $*"; exit 0; }
    shift 2; ref=""; verbose=""
    for arg in "$@"; do case "$arg" in -v|--verbose) verbose=1;; -*) ;; *) ref="$arg";; esac; done
    digests=""
    for entry in ${FAKE_DOCKER_MANIFESTS:-}; do [ "${entry%%=*}" = "$ref" ] && digests="${entry#*=}"; done
    [ -n "$digests" ] || { echo "no such manifest: $ref" >&2; exit 1; }
    set -- $(echo "$digests" | tr ',' ' ')
    config="sha256:$(printf 'c%.0s' $(seq 64))"
    manifest() {
      printf '{\n\t"schemaVersion": 2,\n\t"mediaType": "application/vnd.oci.image.manifest.v1+json",\n\t"config": {\n\t\t"mediaType": "application/vnd.oci.image.config.v1+json",\n\t\t"digest": "%s",\n\t\t"size": 1470\n\t},\n\t"layers": []\n}' "$config"
    }
    if [ -z "$verbose" ]; then
      if [ $# -eq 1 ]; then manifest; echo; else
        printf '{\n\t"schemaVersion": 2,\n\t"mediaType": "application/vnd.oci.image.index.v1+json",\n\t"manifests": [%s]\n}\n' "$(for d in "$@"; do printf '{"digest": "%s"}' "$d"; done | sed 's/}{/}, {/g')"
      fi
      exit 0
    fi
    [ $# -eq 1 ] || printf '['
    n=0
    for digest in "$@"; do
      arch=amd64; [ $n -eq 1 ] && arch=arm64; [ $n -ge 2 ] && arch="arch$n"
      [ $n -eq 0 ] || printf ','
      printf '{\n\t"Ref": "%s@%s",\n\t"Descriptor": {\n\t\t"mediaType": "application/vnd.oci.image.manifest.v1+json",\n\t\t"digest": "%s",\n\t\t"size": 1234,\n\t\t"platform": {\n\t\t\t"architecture": "%s",\n\t\t\t"os": "linux"\n\t\t}\n\t},\n\t"OCIManifest": ' "${ref%:*}" "$digest" "$digest" "$arch"
      manifest; printf '\n}'
      n=$((n + 1))
    done
    [ $# -eq 1 ] || printf ']'
    echo;;
  compose)
    state="${FAKE_DOCKER_STATE:-$(dirname "$FAKE_DOCKER_LOG")/compose-up}"
    touch "$state"
    case " $* " in
      *" up "*)
        grep -qxF "$PWD" "$state" || echo "$PWD" >> "$state"
        echo "fake docker: $*";;
      *" down "*)
        grep -vxF "$PWD" "$state" > "$state.new" || true
        mv "$state.new" "$state"
        case " $* " in *" --volumes "*|*" -v "*) echo "$PWD" >> "$state.volumes-removed";; esac
        echo "fake docker: $*";;
      *" ps "*)
        if grep -qxF "$PWD" "$state"; then
          for service in ${FAKE_COMPOSE_SERVICES:-ollama langflow code-server coding-assistant}; do
            echo "fake-$service"
          done
        fi;;
      *) echo "fake docker: $*";;
    esac;;
  *) echo "fake docker: $*";;
esac
exit 0
"#;

const CURL: &str = r#"#!/bin/sh
echo "curl $*" >> "$FAKE_DOCKER_LOG"
exit 0
"#;

/// A folder holding the fake executables and the log of their calls.
pub struct FakeDocker {
    dir: tempfile::TempDir,
}

impl FakeDocker {
    pub fn new() -> FakeDocker {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, script) in [("docker", DOCKER), ("curl", CURL)] {
            let path = dir.path().join(name);
            std::fs::write(&path, script).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        FakeDocker { dir }
    }

    pub fn bin_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where the calls are recorded, one line each (`FAKE_DOCKER_LOG`).
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("calls.log")
    }

    /// PATH with the fakes first.
    pub fn path_env(&self) -> OsString {
        prepend_path(self.bin_dir())
    }

    /// The project directories whose compose containers are up (`docker compose up` ran there
    /// and no `down` since).
    pub fn running(&self) -> Vec<PathBuf> {
        self.dirs("compose-up")
    }

    /// The project directories where `docker compose down --volumes` removed the volumes.
    pub fn volumes_removed(&self) -> Vec<PathBuf> {
        self.dirs("compose-up.volumes-removed")
    }

    fn dirs(&self, state: &str) -> Vec<PathBuf> {
        std::fs::read_to_string(self.dir.path().join(state))
            .unwrap_or_default()
            .lines()
            .map(PathBuf::from)
            .collect()
    }

    /// The recorded calls, e.g. `docker exec ollama ollama list`.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Default for FakeDocker {
    fn default() -> Self {
        FakeDocker::new()
    }
}

/// `dir` followed by the current PATH.
pub fn prepend_path(dir: &Path) -> OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// PATH without any folder that holds `name` (to test "tool not found").
pub fn path_without(name: &str) -> OsString {
    let paths = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|dir| !dir.join(name).exists())
        .collect::<Vec<_>>();
    std::env::join_paths(paths).unwrap()
}
