package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/config"
)

// A function whose constructor returns a plain func (the queue consumers, the sweeper) serves
// concurrent invocations, as the runner's event sources and gateway make them: each gets its own
// result. One lambda.NewHandler shared by all would hand them a pooled buffer already put back.
func TestPlainHandlersAreSafeForConcurrentInvocations(t *testing.T) {
	build := handler(func(context.Context, config.Config) (func(context.Context, json.RawMessage) (string, error), error) {
		return func(_ context.Context, in json.RawMessage) (string, error) {
			var s string
			err := json.Unmarshal(in, &s)
			return "echo " + s, err
		}, nil
	})
	h, err := build(context.Background(), config.Config{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				in := fmt.Sprintf("call-%d-%d", i, j)
				payload, _ := json.Marshal(in)
				out, err := h.Invoke(context.Background(), payload)
				require.NoError(t, err)
				var got string
				require.NoError(t, json.Unmarshal(out, &got), "%s", out)
				assert.Equal(t, "echo "+in, got)
			}
		})
	}
	wg.Wait()
}
