# start_registry: Debian's docker-registry on 127.0.0.1:5000, started in the background when none answers.
start_registry() {
  curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && return
  cat >"$STATE/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
  say "starting docker-registry on 127.0.0.1:5000 (log: $STATE/logs/registry.log)"
  setsid nohup docker-registry serve "$STATE/registry.yml" >"$STATE/logs/registry.log" 2>&1 < /dev/null &
  wait_for 30 curl -fsS "http://$REGISTRY/v2/" || { tail -20 "$STATE/logs/registry.log" >&2; say "registry did not start"; exit 1; }
}
