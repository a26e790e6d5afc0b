# The hub on PostgreSQL (sync/hub/pgstore, docs/hub-postgres.md). Its tests
# start their own throw-away clusters of Debian's PostgreSQL 15 (no server
# is set up by hand); test-hub-pg runs the hub's whole suite again on it.
.PHONY: deps-pg test-hub-pg bench-hub-pg

deps-pg:
	$(call apt,postgresql)

test-hub-pg: deps-go deps-pg
	XASO_HUB_TEST_DB=postgres go test -count=1 -timeout 12m ./sync/hub/

# bench-hub-pg: the storages alone taking 16 communes' batches at once
# (commands/s, disk per dossier) side by side; the portal exporter's
# dossiers/s; bench-uplink's figures with the hub in PostgreSQL (16 offices
# pushing at once over HTTP, GET /communes p99 and disk).
bench-hub-pg: deps-go deps-pg
	go test -run '^$$' -bench Ingest16 -benchtime 1x -timeout 20m ./sync/hub/boltstore/ ./sync/hub/pgstore/ | grep -E '^(Benchmark|ok|FAIL)'
	go test -run '^$$' -bench Export -benchtime 1x ./sync/hub/portal/ | grep -E '^(Benchmark|ok|FAIL)'
	XASO_HUB_TEST_DB=postgres XASO_BENCH_DOSSIERS=1000 go test -run '^$$' -bench 'SixteenCommunes|CommunesList' -benchtime 1x -timeout 20m ./sync/hub/ | grep -E '^(Benchmark|ok|FAIL)'
