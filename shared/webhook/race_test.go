//go:build race

package webhook_test

// raceScale shrinks the end-to-end volume under the race detector (5-10x slower on a shared 2-core
// machine); the store's own test still makes a thousand concurrent changes with -race.
const raceScale = 4
