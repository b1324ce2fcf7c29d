// Package scheduler runs handlers on EventBridge schedule expressions for the
// local stack, invoking them with the Scheduled Event EventBridge sends.
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/uuid"
)

// Scheduler fires handlers at their schedules. It is safe for concurrent use.
type Scheduler struct {
	now func() time.Time

	// Region and AccountID appear in events and rule ARNs;
	// defaults us-east-1 and 000000000000. Set them before Add.
	Region    string
	AccountID string
	// OnError sees handler errors from Run; nil ignores them.
	OnError func(rule string, err error)

	mu    sync.Mutex
	rules []*rule
	// changed wakes Run when a rule is added.
	changed chan struct{}
}

// never is the next firing of a cron whose last year has passed.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

type rule struct {
	name, expr string
	sched      schedule
	handler    lambda.Handler
	next       time.Time
}

// New returns a scheduler reading time from now (time.Now when nil).
func New(now func() time.Time) *Scheduler {
	if now == nil {
		now = time.Now
	}
	return &Scheduler{now: now, Region: "us-east-1", AccountID: "000000000000", changed: make(chan struct{}, 1)}
}

// Add schedules handler, any value lambda.NewHandler accepts, under the rule
// name at expression. Its first firing is the expression's first time after now.
func (s *Scheduler) Add(name, expression string, handler any) error {
	if name == "" {
		return errors.New("scheduler: rule name is required")
	}
	sched, err := parse(expression)
	if err != nil {
		return fmt.Errorf("scheduler: rule %s: %w", name, err)
	}
	if _, ok := handler.(lambda.Handler); !ok && (handler == nil || reflect.TypeOf(handler).Kind() != reflect.Func) {
		return fmt.Errorf("scheduler: rule %s: handler %T is not a function", name, handler)
	}
	now := s.now()
	next, ok := sched.next(now)
	if !ok {
		return fmt.Errorf("scheduler: rule %s: %q never fires after %s", name, expression, now.UTC().Format(time.RFC3339))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.name == name {
			return fmt.Errorf("scheduler: rule %s already exists", name)
		}
	}
	s.rules = append(s.rules, &rule{name: name, expr: expression, sched: sched, handler: lambda.NewHandler(handler), next: next})
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

// RuleARN is the ARN EventBridge gives the rule name.
func (s *Scheduler) RuleARN(name string) string {
	return "arn:aws:events:" + s.Region + ":" + s.AccountID + ":rule/" + name
}

// Next is when the named rule fires next.
func (s *Scheduler) Next(name string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.name == name {
			return r.next, true
		}
	}
	return time.Time{}, false
}

// Tick fires, once each, every rule due at or before now, in rule order, and
// returns their handlers' errors joined. Missed firings are not made up, as
// EventBridge does not: a rate keeps its phase, a cron resumes after now.
func (s *Scheduler) Tick(now time.Time) error {
	return s.tick(context.Background(), now)
}

func (s *Scheduler) tick(ctx context.Context, now time.Time) error {
	type firing struct {
		r  *rule
		at time.Time
	}
	var due []firing
	s.mu.Lock()
	for _, r := range s.rules {
		if r.next.After(now) {
			continue
		}
		due = append(due, firing{r, r.next})
		if rt, ok := r.sched.(rate); ok {
			for !r.next.After(now) {
				r.next = r.next.Add(time.Duration(rt))
			}
		} else if n, ok := r.sched.next(now); ok {
			r.next = n
		} else {
			r.next = never
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, f := range due {
		if err := s.fire(ctx, f.r, f.at); err != nil {
			errs = append(errs, fmt.Errorf("scheduler: rule %s: %w", f.r.name, err))
			if s.OnError != nil {
				s.OnError(f.r.name, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Event is the Scheduled Event EventBridge sends for rule name at time at.
func (s *Scheduler) Event(name string, at time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  s.AccountID,
		Time:       at.UTC().Truncate(time.Second),
		Region:     s.Region,
		Resources:  []string{s.RuleARN(name)},
		Detail:     json.RawMessage("{}"),
	}
}

func (s *Scheduler) fire(ctx context.Context, r *rule, at time.Time) (err error) {
	payload, err := json.Marshal(s.Event(r.name, at))
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	if _, err := r.handler.Invoke(ctx, payload); err != nil {
		return fmt.Errorf("handler: %w", err)
	}
	return nil
}

// Run fires rules as they come due until ctx ends. It waits in real time and
// reads the scheduler's clock on waking, re-checking at least every minute so
// an injected or jumping clock is followed.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		wait := time.Minute
		s.mu.Lock()
		nexts := make([]time.Time, 0, len(s.rules))
		for _, r := range s.rules {
			nexts = append(nexts, r.next)
		}
		s.mu.Unlock()
		if len(nexts) > 0 {
			sort.Slice(nexts, func(i, j int) bool { return nexts[i].Before(nexts[j]) })
			if d := nexts[0].Sub(s.now()); d < wait {
				wait = max(d, 0)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-s.changed:
			timer.Stop()
			continue
		case <-timer.C:
		}
		_ = s.tick(ctx, s.now())
	}
}
