package local

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hapihub/hapihub/infra/scheduler"
	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/template"
)

// EventSources runs the template's non-API triggers: a Poller per SQS event (Lambda's event
// source mapping, batch size and ReportBatchItemFailures from the template) and a scheduler rule
// per Schedule / ScheduleV2 event, each invoking its function in-process.
type EventSources struct {
	Scheduler *scheduler.Scheduler
	Pollers   []*sqs.Poller

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// functionHandler is a lambda.Handler that invokes a template function, with a fixed payload
// when the schedule gives one (Input).
type functionHandler struct {
	inv      Invoker
	function string
	input    string
}

func (h functionHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if h.input != "" {
		payload = []byte(h.input)
	}
	return h.inv.Invoke(ctx, h.function, payload)
}

// StartEventSources starts the event sources of tpl's functions. refs must resolve each queue
// event's !GetAtt Queue.Arn and hold the queue's URL under its logical id (EnsureQueues' refs).
// now drives the scheduler (nil: time.Now); onError sees poller and handler errors (nil: ignored).
func StartEventSources(ctx context.Context, tpl *template.Template, inv Invoker, client sqs.PollerAPI, refs template.Refs,
	now func() time.Time, onError func(error)) (*EventSources, error) {
	report := func(err error) {
		if onError != nil {
			onError(err)
		}
	}
	es := &EventSources{Scheduler: scheduler.New(now)}
	es.Scheduler.OnError = func(rule string, err error) { report(fmt.Errorf("schedule %s: %w", rule, err)) }
	urlOfArn := map[string]string{}
	for _, q := range tpl.Queues {
		urlOfArn[refs[q.LogicalID+".Arn"]] = refs[q.LogicalID]
	}
	for _, fn := range tpl.Functions {
		for _, qe := range fn.Queues {
			if !qe.Enabled {
				continue
			}
			arn, err := qe.Queue.Resolve(refs)
			if err != nil {
				return nil, fmt.Errorf("local: %s event %s: %w", fn.LogicalID, qe.Event, err)
			}
			url := urlOfArn[arn]
			if url == "" {
				return nil, fmt.Errorf("local: %s event %s: no local queue for %s", fn.LogicalID, qe.Event, arn)
			}
			p, err := sqs.NewPoller(sqs.PollerConfig{Client: client, QueueURL: url, Handler: functionHandler{inv: inv, function: fn.Name},
				BatchSize: min(qe.BatchSize, 10), ReportBatchItemFailures: qe.ReportBatchItemFailures, Timeout: fn.Timeout, OnError: report,
				FunctionArn: refs[fn.LogicalID+".Arn"], Concurrency: sqs.LambdaInitialConcurrency})
			if err != nil {
				return nil, fmt.Errorf("local: %s event %s: %w", fn.LogicalID, qe.Event, err)
			}
			es.Pollers = append(es.Pollers, p)
		}
		for _, s := range fn.Schedules {
			if !s.Enabled {
				continue
			}
			if err := es.Scheduler.Add(fn.LogicalID+s.Event, s.Expression, functionHandler{inv: inv, function: fn.Name, input: s.Input}); err != nil {
				return nil, fmt.Errorf("local: %s event %s: %w", fn.LogicalID, s.Event, err)
			}
		}
	}
	ctx, es.cancel = context.WithCancel(ctx)
	for _, p := range es.Pollers {
		if err := p.Start(ctx); err != nil {
			es.Stop()
			return nil, err
		}
	}
	es.wg.Add(1)
	go func() {
		defer es.wg.Done()
		_ = es.Scheduler.Run(ctx)
	}()
	return es, nil
}

// Stop ends polling and scheduling and waits for work in flight.
func (es *EventSources) Stop() {
	es.cancel()
	for _, p := range es.Pollers {
		p.Stop()
	}
	es.wg.Wait()
}
