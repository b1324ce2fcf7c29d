package dynamo

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every write request runs as a function on a bbolt write
// transaction; one committer goroutine runs all the functions waiting at that
// moment in a single transaction, so concurrent writers share one fsync
// instead of queueing for one each, and a lone writer never waits for company.
//
// A write function must check everything that can fail for the client
// (conditions, validation) before it changes anything, so a client error
// leaves the shared transaction clean for the others. Any other error, or a
// panic, fails the whole group, which is then run again one function per
// transaction. Functions must therefore be safe to run twice: they assign
// their results rather than accumulate them.

const maxGroup = 128

type writeReq struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

func (e *Engine) startCommitter() {
	e.writes = make(chan *writeReq)
	e.committing.Add(1)
	go func() {
		defer e.committing.Done()
		for {
			var first *writeReq
			select {
			case first = <-e.writes:
			case <-e.stop:
				return
			}
			group := []*writeReq{first}
		drain:
			for len(group) < maxGroup {
				select {
				case r := <-e.writes:
					group = append(group, r)
				default:
					break drain
				}
			}
			e.commitGroup(group)
		}
	}()
}

// isClientError reports whether err is an answer for the client that left the
// transaction untouched (as opposed to a storage failure).
func isClientError(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status < 500
	}
	return isClientErr(err)
}

func runGuarded(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return fn(tx)
}

func (e *Engine) commitGroup(group []*writeReq) {
	results := make([]error, len(group))
	err := e.db.Update(func(tx *bolt.Tx) error {
		for i, r := range group {
			err := runGuarded(r.fn, tx)
			if err != nil && !isClientError(err) {
				return err
			}
			results[i] = err
		}
		return nil
	})
	if err == nil || len(group) == 1 {
		for i, r := range group {
			if err != nil {
				r.done <- err
				continue
			}
			r.done <- results[i]
		}
		return
	}
	for _, r := range group {
		var res error
		if uerr := e.db.Update(func(tx *bolt.Tx) error {
			res = runGuarded(r.fn, tx)
			if res != nil && !isClientError(res) {
				return res
			}
			return nil
		}); uerr != nil {
			res = uerr
		}
		r.done <- res
	}
}

// update runs fn in a (possibly shared) write transaction and returns its
// error: client errors as they are, anything else as InternalServerError.
func (e *Engine) update(fn func(tx *bolt.Tx) error) error {
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case e.writes <- r:
	case <-e.stop:
		return internal(errors.New("engine is closed"))
	}
	err := <-r.done
	if err != nil && !isClientError(err) {
		return internal(err)
	}
	return err
}
