// Command bench measures recon's full nightly run against DuckDB running
// an equivalent SQL reconciliation on the same files, in one invocation.
//
// It is its own module so that DuckDB (cgo) never reaches the recon
// binary. `make bench` builds recon, then runs:
//
//	go run . -recon ../bin/recon -rows 10000000 -runs 3
//
// It generates (or reuses, under ../.cache/bench) a store with `recon gen`,
// then alternates `recon run` and a DuckDB process several times, and
// prints for each the median wall time and peak RSS, the breaks each found
// per comparable kind, and a last line
//
//	ratio_time=R ratio_rss=M rows=N
//
// (recon over DuckDB) for scripts.
//
// With -scale (`make bench-scale`) it runs recon alone on stores of each
// size, the same number of platforms each, the sizes taking turns run
// after run, and checks that time grows no
// faster than linearly (within 20%) from one size to the next and that
// every run's peak RSS stays under -memory-limit-mib. It also holds every
// run's outputs (their SHA-256, printed) to the size's first run's and
// the exceptions the generator seeded (recon gen --anomaly-every) to the
// counts it wrote. It prints, last but for the error when a check fails,
//
//	scale_growth=G limit=1.20 peak_rss_mib=M memory_limit_mib=L
package main
