#!/usr/bin/env bash
# Starts (or stops) a throw-away RabbitMQ for the end-to-end benchmarks, on loopback ports of its own.
#   bench/rabbitmq.sh start DIR PORT    # prints the amqp URL when it accepts connections
#   bench/rabbitmq.sh stop DIR PORT
set -euo pipefail
action=$1 dir=$2 port=$3
export HOME=$dir RABBITMQ_NODENAME=sluicebench$port@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port \
  RABBITMQ_DIST_PORT=$((port + 1)) ERL_EPMD_PORT=$((port + 2)) RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log \
  RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
case $action in
  start)
    mkdir -p "$dir/mnesia" "$dir/log"
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port" > "$dir/rabbitmq.conf"
    echo '[].' > "$dir/enabled_plugins"
    /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/server.out" 2>&1 &
    /usr/lib/rabbitmq/bin/rabbitmqctl await_startup >/dev/null 2>&1 || { sleep 10; /usr/lib/rabbitmq/bin/rabbitmqctl await_startup >/dev/null; }
    echo "amqp://guest:guest@127.0.0.1:$port/"
    ;;
  stop)
    /usr/lib/rabbitmq/bin/rabbitmqctl stop >/dev/null 2>&1 || true
    for pid in $(pgrep -x epmd || true); do
      if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "ERL_EPMD_PORT=$((port + 2))"; then kill "$pid"; fi
    done
    ;;
esac
