package hapihub

import (
	"context"
	"time"
)

// WithSleep replaces the wait between attempts (tests record it instead of waiting).
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}
