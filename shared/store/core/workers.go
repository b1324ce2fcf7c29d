package core

import (
	"context"
	"sync"
)

// forEach calls fn on every item with at most workers calls at once. The first error cancels
// the calls not yet started and is returned (otherwise the context's error, if any).
func forEach[T any](ctx context.Context, workers int, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan T)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if err := fn(ctx, it); err != nil {
					once.Do(func() { first = err })
					cancel()
				}
			}
		}()
	}
send:
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
			break send
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
