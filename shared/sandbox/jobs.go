package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/jobq"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// The job records and messages are jobq's (the console starts jobs without linking the worker).

// Job statuses.
const (
	JobQueued    = jobq.JobQueued
	JobRunning   = jobq.JobRunning
	JobSucceeded = jobq.JobSucceeded
)

// Job is the sandbox reset of one organization.
type Job = jobq.Job

// Sender is the queue a job's message goes to (an sqs client).
type Sender = jobq.Sender

func jobKey(org string) map[string]types.AttributeValue { return jobq.JobKey(org) }

type message = jobq.Message

// Jobs starts, reads and runs sandbox jobs.
type Jobs struct {
	Store    *store.Store
	Queue    Sender
	QueueURL string
	// Lease is how long a worker owns a running job before another may take it over: more than
	// the worker function's Timeout.
	Lease time.Duration
	Sizes Sizes
	Seed  uint64
	// BeforeRun, when set, runs after the claim and before the reset (the setup job registers the
	// account's usage keys there).
	BeforeRun func(ctx context.Context, j Job) error
}

// Get returns the organization's current (or last) job.
func (js *Jobs) Get(ctx context.Context, org string) (Job, bool, error) {
	return js.queue().Get(ctx, org)
}

// Start records a reset of org and enqueues it, or joins the reset already queued or running
// (joined true). A joined job whose worker is gone (lease expired) is enqueued again.
func (js *Jobs) Start(ctx context.Context, account, org string) (Job, bool, error) {
	return js.queue().Start(ctx, account, org)
}

func (js *Jobs) queue() *jobq.Queue {
	return &jobq.Queue{Store: js.Store.Store, Queue: js.Queue, URL: js.QueueURL}
}

// errBusy: another worker holds the job's lease; the message is retried after its visibility
// timeout.
var errBusy = errors.New("sandbox: the reset is running elsewhere")

// claim takes the job for this worker: queued, or running with an expired lease.
func (js *Jobs) claim(ctx context.Context, m message) (Job, bool, error) {
	now := js.Store.Now().UnixMilli()
	out, err := js.Store.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &js.Store.Table, Key: jobKey(m.Org),
		UpdateExpression:         aws.String("SET #s = :running, leaseUntil = :lease, attempts = attempts + :one, updatedAt = :now"),
		ConditionExpression:      aws.String("id = :id AND (#s = :queued OR (#s = :running AND leaseUntil < :now))"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":running": &types.AttributeValueMemberS{Value: JobRunning},
			":queued": &types.AttributeValueMemberS{Value: JobQueued}, ":id": &types.AttributeValueMemberS{Value: m.ID},
			":lease": num(now + js.Lease.Milliseconds()), ":now": num(now), ":one": num(1)},
		ReturnValues: types.ReturnValueAllNew})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		cur, ok, gerr := js.Get(ctx, m.Org)
		if gerr != nil {
			return Job{}, false, gerr
		}
		if ok && cur.ID == m.ID && cur.Status == JobRunning {
			return Job{}, false, errBusy
		}
		return Job{}, false, nil // done already, or superseded: nothing to do
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("sandbox: claim reset: %w", err)
	}
	j, err := jobq.JobFromItem(out.Attributes)
	if err != nil {
		return Job{}, false, err
	}
	return j, true, nil
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// update records progress (and renews the lease) while this worker still owns the job.
func (js *Jobs) update(ctx context.Context, j Job, set string, vals map[string]types.AttributeValue) error {
	now := js.Store.Now().UnixMilli()
	vals[":id"] = &types.AttributeValueMemberS{Value: j.ID}
	vals[":now"] = num(now)
	if strings.Contains(set, ":lease") {
		vals[":lease"] = num(now + js.Lease.Milliseconds())
	}
	vals[":running"] = &types.AttributeValueMemberS{Value: JobRunning}
	_, err := js.Store.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &js.Store.Table, Key: jobKey(j.Org),
		UpdateExpression:          aws.String(set + ", updatedAt = :now"),
		ConditionExpression:       aws.String("id = :id AND #s = :running"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: vals})
	if err != nil {
		return fmt.Errorf("sandbox: job progress: %w", err)
	}
	return nil
}

// Run does one delivery of a job message: claim, purge and seed with progress, then succeed.
func (js *Jobs) Run(ctx context.Context, body string) error {
	var m message
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Org == "" || m.ID == "" {
		return nil // malformed: retrying cannot help (it would only reach the dead-letter queue)
	}
	j, ok, err := js.claim(ctx, m)
	if err != nil || !ok {
		return err
	}
	if js.BeforeRun != nil {
		if err := js.BeforeRun(ctx, j); err != nil {
			return err
		}
	}
	t := domain.Tenant{Account: j.Account, Mode: domain.Test, Org: j.Org}
	seed := js.Seed
	if seed == 0 {
		seed = Seed
	}
	deleted, seeded := map[string]int{}, map[string]int{}
	done := 0
	step := func(name string) error {
		done++
		return js.update(ctx, j, "SET step = :step, done = :done, leaseUntil = :lease", map[string]types.AttributeValue{
			":step": &types.AttributeValueMemberS{Value: name}, ":done": num(int64(done))})
	}
	for _, name := range schema.ClinicalResources {
		res, _ := schema.Lookup(name)
		n, err := js.Store.PurgeObjects(ctx, t, res)
		if err != nil {
			return fmt.Errorf("sandbox: reset: %w", err)
		}
		deleted[name] = n
		if err := step("deleted " + name); err != nil {
			return err
		}
	}
	// Everything went, so the references between the purged objects go too (clinical.go's Reset).
	if err := js.Store.PurgeReferences(ctx, t); err != nil {
		return fmt.Errorf("sandbox: reset: %w", err)
	}
	refs := map[string][]domain.Doc{}
	for _, r := range Generate(t, seed, js.Sizes).byResource() {
		refs[r.Res.Name] = r.Docs
		if len(r.Docs) > 0 {
			if err := js.Store.SeedObjects(ctx, t, r.Res.Name, r.Docs); err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
			if err := js.Store.SeedExternalGuards(ctx, t, r.Res, r.Docs); err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
		}
		seeded[r.Res.Name] = len(r.Docs)
		if err := step("seeded " + r.Res.Name); err != nil {
			return err
		}
	}
	if err := js.Store.SeedReferences(ctx, t, refs); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	// The test organizations (testorgs.go) are part of every sandbox: reset with it.
	if err := FillTestOrgs(ctx, js.Store, j.Account, seed, js.Sizes); err != nil {
		return err
	}
	dv, sv := jobq.Counts(deleted), jobq.Counts(seeded)
	return js.update(ctx, j, "SET #s = :ok, step = :step, deleted = :d, seeded = :sd, finishedAt = :now, leaseUntil = :zero",
		map[string]types.AttributeValue{":ok": &types.AttributeValueMemberS{Value: JobSucceeded}, ":step": &types.AttributeValueMemberS{Value: "done"},
			":d": dv, ":sd": sv, ":zero": num(0)})
}

// HandleSQS is the worker function's handler: each record is one job delivery; failed records
// are reported so SQS retries only them (ReportBatchItemFailures).
func (js *Jobs) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var out events.SQSEventResponse
	for _, r := range ev.Records {
		if err := js.Run(ctx, r.Body); err != nil {
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return out, nil
}
