package core

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestForEachRunsAllOrStopsAtFirstError(t *testing.T) {
	items := make([]int, 1000)
	var sum atomic.Int64
	require.NoError(t, forEach(context.Background(), 4, items, func(context.Context, int) error {
		sum.Add(1)
		return nil
	}))
	require.EqualValues(t, 1000, sum.Load())

	boom := errors.New("boom")
	var calls atomic.Int64
	err := forEach(context.Background(), 4, items, func(ctx context.Context, _ int) error {
		if calls.Add(1) == 3 {
			return boom
		}
		return nil
	})
	require.ErrorIs(t, err, boom)
	require.Less(t, calls.Load(), int64(1000), "items after the error are not started")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, forEach(ctx, 2, items, func(context.Context, int) error { return nil }), context.Canceled)
}
