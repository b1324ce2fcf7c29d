package hapihub

import (
	"context"
	"time"
)

// WithSleep replaces the wait between attempts (tests record it instead of waiting).
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// WithStrictDecoding makes every response decode fail on a field the types lack.
func WithStrictDecoding() Option { return func(c *Client) { c.strict = true } }
