//go:build !race

package webhook_test

const raceScale = 1
