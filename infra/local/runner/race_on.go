//go:build race

package runner

// raceSlowdown is how much slower the race detector makes the local platform's work: a batch of
// 100 creates through the gateway costs 1.85 CPU-s under -race against 0.36 without (2026-12-08,
// docs/writes.md "Bulk create"); Go documents 2-20x.
const raceSlowdown = 5
