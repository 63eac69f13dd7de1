# start_engine: a Docker engine answering `docker info`, started in the background when none is.
start_engine() {
  docker info >/dev/null 2>&1 && return
  say "starting dockerd (log: $STATE/logs/dockerd.log)"
  setsid nohup dockerd >"$STATE/logs/dockerd.log" 2>&1 < /dev/null &
  wait_for 60 docker info || { tail -20 "$STATE/logs/dockerd.log" >&2; say "dockerd did not start"; exit 1; }
}
