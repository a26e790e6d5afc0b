// Package soak is `make soak`: a year of a province in an hour. Its test,
// TestSoak, starts a provincial hub and several communes of one to three
// PCs as real `xaso hub` and `xaso serve` processes in network namespaces
// (sync/netns), drives them with a desk workload shaped like a commune's
// year (build/soak/desk_test.go) through the JSON API, injects a seeded
// schedule of faults (faults_test.go: SIGKILL, power cuts on the FUSE disk
// of store/powercut, partitions, a PC off for days, a wrong clock, a full
// disk, hub restarts), then heals everything, waits for quiet and checks
// the invariants (checks_test.go), printing one PASS or FAIL line each with
// figures.
//
//	SOAK_MINUTES  length of the run in minutes (default 2 under `go test`, 60 in `make soak`)
//	SOAK_SEED     the seed of the workload and the faults (printed; the same seed replays the same schedule)
//	SOAK_COMMUNES how many communes (default 3: one of each size 1, 2, 3 PCs, then repeating)
//	SOAK_RATE     desk operations per second per PC at the busiest hour of an ordinary day (default 3)
//	SOAK_LOG      where the run's event log goes (default a file in the test's temporary folder, named in the output)
//
// It needs root, iproute2 and /dev/fuse; without them it is skipped (and
// fails when XASO_NETNS_REQUIRED=1, as in CI).
package soak
