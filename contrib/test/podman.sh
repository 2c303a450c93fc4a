# Sourced by container.sh and systemd.sh: podman as it runs on a CI machine without
# systemd and without a registry, and the Debian 12 base image made here.
#
# Podman keeps its images under target/contrib-podman (ignored by git, like all of
# target/; remove it to start afresh), so the base image is made once for both
# scripts. The settings such a machine needs: cgroupfs, runc (crun refuses a hybrid
# cgroup layout), events in a file, explicit ulimits (podman's defaults are above what
# may be set there), and overlay storage if the kernel mounts it, else vfs (a full
# copy of the image per container: slower, same result).

. contrib/test/ports.sh

podman_root=$PWD/target/contrib-podman
mkdir -p "$podman_root"
if [ ! -f "$podman_root/driver" ]; then
  probe=$(mktemp -d /tmp/causerie-overlay.XXXXXX)
  mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  if mount -t overlay overlay \
      -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    echo overlay > "$podman_root/driver"
  else
    echo vfs > "$podman_root/driver"
  fi
  rm -rf "$probe"
fi
podman_driver=$(cat "$podman_root/driver")
pod() {
  podman --root "$podman_root/storage" --runroot "$podman_root/run" \
    --storage-driver "$podman_driver" --cgroup-manager cgroupfs --runtime runc \
    --events-backend file "$@"
}
pod_limits=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
base_image=localhost/causerie-base:bookworm

need_podman() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# What debian:bookworm-slim is (a minbase Debian 12), from Debian's mirror; once.
make_base_image() {
  pod image exists "$base_image" && return
  local tar
  tar=$(mktemp /tmp/causerie-base.XXXXXX.tar)
  mmdebstrap --quiet --variant=minbase bookworm "$tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
  pod import --quiet "$tar" "$base_image" >/dev/null
  rm -f "$tar"
}

