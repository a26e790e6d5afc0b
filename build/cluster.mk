# The LAN cluster (sync/cluster, sync/discover, sync/netns): its tests run
# real `xaso serve` processes in network namespaces, which need iproute2 and
# root. In CI (CI=true, as root) a skipped LAN test would hide a missing
# package, so XASO_NETNS_REQUIRED=1 turns the skips into failures.
.PHONY: deps-cluster bench-cluster

ifeq ($(CI)$(shell id -u),true0)
export XASO_NETNS_REQUIRED := 1
endif

deps-cluster:
	$(if $(shell command -v ip),,$(call apt,iproute2))

# bench-cluster prints the figures: replication latency across three
# namespace nodes, throughput with 16 desks, RSS per node, catch-up time.
bench-cluster: deps-go deps-cluster
	XASO_BENCH_CLUSTER=1 go test -run '^TestBenchCluster$$' -v -count=1 -timeout 30m ./sync/cluster/ | grep -E '^(figure|---|ok|FAIL|PASS)'
