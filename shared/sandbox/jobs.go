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
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// A sandbox reset (and a sign-up's first seeding) is a job: the API records it and answers 202,
// a worker function fed by a queue does the work, and the job item shows its progress. One job
// item per organization makes resets of a sandbox serial: a reset asked for while one is queued
// or running joins it. The worker claims the job with a lease before touching data, so two
// deliveries of the message never interleave; a worker that dies leaves the job "running" with
// an expiring lease, and the queue's redelivery (or the next reset asked for) runs it again from
// the start: a reset purges and seeds deterministically, so a rerun ends with the complete
// clinic. A job reads "succeeded" only after a run that finished.

// Job statuses.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobSucceeded = "succeeded"
)

// Job is the sandbox reset of one organization.
type Job struct {
	ID         string         `dynamodbav:"id" json:"id"`
	Account    string         `dynamodbav:"accountId" json:"-"`
	Org        string         `dynamodbav:"organizationId" json:"organizationId"`
	Status     string         `dynamodbav:"status" json:"status"`
	Step       string         `dynamodbav:"step" json:"step"`
	Done       int            `dynamodbav:"done" json:"done"`
	Total      int            `dynamodbav:"total" json:"total"`
	Attempts   int            `dynamodbav:"attempts" json:"attempts"`
	LeaseUntil int64          `dynamodbav:"leaseUntil" json:"-"`
	Deleted    map[string]int `dynamodbav:"deleted" json:"deleted"`
	Seeded     map[string]int `dynamodbav:"seeded" json:"seeded"`
	CreatedAt  int64          `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt  int64          `dynamodbav:"updatedAt" json:"updatedAt"`
	FinishedAt int64          `dynamodbav:"finishedAt" json:"finishedAt"`
}

// View is the job as the API shows it.
func (j Job) View() map[string]any {
	return map[string]any{"object": "sandbox_reset", "id": j.ID, "organizationId": j.Org, "livemode": false, "status": j.Status,
		"step": j.Step, "progress": map[string]any{"done": j.Done, "total": j.Total}, "deleted": j.Deleted, "seeded": j.Seeded,
		"createdAt": j.CreatedAt, "updatedAt": j.UpdatedAt, "finishedAt": nilIfZero(j.FinishedAt)}
}

func nilIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func jobKey(org string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "SANDBOXJOB#" + org}, "SK": &types.AttributeValueMemberS{Value: "JOB"}}
}

// Sender is the queue a job's message goes to (an sqs client).
type Sender interface {
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

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

type message struct {
	Org string `json:"organizationId"`
	ID  string `json:"id"`
}

// Get returns the organization's current (or last) job.
func (js *Jobs) Get(ctx context.Context, org string) (Job, bool, error) {
	out, err := js.Store.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &js.Store.Table, Key: jobKey(org), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Job{}, false, fmt.Errorf("sandbox: get job: %w", err)
	}
	if out.Item == nil {
		return Job{}, false, nil
	}
	var j Job
	if err := attributevalue.UnmarshalMap(out.Item, &j); err != nil {
		return Job{}, false, fmt.Errorf("sandbox: job item: %w", err)
	}
	return j, true, nil
}

// Start records a reset of org and enqueues it, or joins the reset already queued or running
// (joined true). A joined job whose worker is gone (lease expired) is enqueued again.
func (js *Jobs) Start(ctx context.Context, account, org string) (Job, bool, error) {
	now := js.Store.Now()
	j := Job{ID: core.NewID("reset", now), Account: account, Org: org, Status: JobQueued, Step: "queued", Total: 2 * len(schema.ClinicalResources),
		Deleted: map[string]int{}, Seeded: map[string]int{}, CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	item, err := attributevalue.MarshalMap(j)
	if err != nil {
		return Job{}, false, err
	}
	for k, v := range jobKey(org) {
		item[k] = v
	}
	_, err = js.Store.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &js.Store.Table, Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #s = :done"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":done": &types.AttributeValueMemberS{Value: JobSucceeded}}})
	var ccf *types.ConditionalCheckFailedException
	joined := errors.As(err, &ccf)
	switch {
	case joined:
		cur, ok, gerr := js.Get(ctx, org)
		if gerr != nil {
			return Job{}, false, gerr
		}
		if !ok {
			return Job{}, false, errors.New("sandbox: a reset job vanished while joining it")
		}
		j = cur
		if j.Status == JobRunning && j.LeaseUntil > now.UnixMilli() {
			return j, true, nil // a live worker has it
		}
	case err != nil:
		return Job{}, false, fmt.Errorf("sandbox: start reset: %w", err)
	}
	body, _ := json.Marshal(message{Org: org, ID: j.ID})
	if _, err := js.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(js.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
		// The job item stays queued: the next reset asked for enqueues it again.
		return Job{}, false, fmt.Errorf("sandbox: enqueue reset: %w", err)
	}
	return j, joined, nil
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
	var j Job
	if err := attributevalue.UnmarshalMap(out.Attributes, &j); err != nil {
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
	dv, err := attributevalue.Marshal(deleted)
	if err != nil {
		return err
	}
	sv, err := attributevalue.Marshal(seeded)
	if err != nil {
		return err
	}
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
