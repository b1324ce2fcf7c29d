//go:build !race

package runner

// raceSlowdown is 1 without the race detector: the template's time limits apply as they are.
const raceSlowdown = 1
