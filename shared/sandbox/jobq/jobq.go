// Package jobq is the sandbox's store-free half: its name and organization document, and the
// reset jobs' records and queue messages (Get and Start). The console starts and watches jobs
// with it; the worker half that purges and seeds (shared/sandbox) needs the whole store, and a
// binary that links shared/store carries the search planner's package-level tables.
package jobq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Name of the sandbox organization.
const Name = "St. Mungo's Clinic"

// Organization returns the sandbox organization document.
func Organization(id string, now time.Time) domain.Doc {
	caps := map[string]any{}
	for _, r := range []string{"patients", "practitioners", "appointments", "messages", "invoices"} {
		caps[r] = []any{"find", "get", "create", "update", "patch", "remove"}
	}
	return domain.Doc{
		"id": id, "object": "organization", "name": Name, "pms": "sandbox", "timezone": "Europe/London",
		"address":      map[string]any{"line1": "Diagon Alley 1", "city": "London", "region": "Greater London", "postalCode": "WC2H 0AW", "country": "GBR"},
		"phone":        "+442079460000",
		"email":        "reception@stmungos.example",
		"capabilities": caps,
		"livemode":     false,
		"metadata":     map[string]any{},
		"createdAt":    now.UnixMilli(),
		"updatedAt":    now.UnixMilli(),
	}
}

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

func JobKey(org string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "SANDBOXJOB#" + org}, "SK": &types.AttributeValueMemberS{Value: "JOB"}}
}

// Sender is the queue a job's message goes to (an sqs client).
type Sender interface {
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Message is a job's queue message.
type Message struct {
	Org string `json:"organizationId"`
	ID  string `json:"id"`
}

// Queue records jobs on the table and enqueues them.
type Queue struct {
	Store *core.Store
	Queue Sender
	URL   string
}

// Get returns the organization's current (or last) job.
func (js *Queue) Get(ctx context.Context, org string) (Job, bool, error) {
	out, err := js.Store.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &js.Store.Table, Key: JobKey(org), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Job{}, false, fmt.Errorf("sandbox: get job: %w", err)
	}
	if out.Item == nil {
		return Job{}, false, nil
	}
	j, err := JobFromItem(out.Item)
	if err != nil {
		return Job{}, false, err
	}
	return j, true, nil
}

// Start records a reset of org and enqueues it, or joins the reset already queued or running
// (joined true). A joined job whose worker is gone (lease expired) is enqueued again.
func (js *Queue) Start(ctx context.Context, account, org string) (Job, bool, error) {
	now := js.Store.Now()
	j := Job{ID: core.NewID("reset", now), Account: account, Org: org, Status: JobQueued, Step: "queued", Total: 2 * len(schema.ClinicalResources),
		Deleted: map[string]int{}, Seeded: map[string]int{}, CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	item := j.Item()
	for k, v := range JobKey(org) {
		item[k] = v
	}
	_, err := js.Store.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &js.Store.Table, Item: item,
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
	body, _ := json.Marshal(Message{Org: org, ID: j.ID})
	if _, err := js.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(js.URL), MessageBody: aws.String(string(body))}); err != nil {
		// The job item stays queued: the next reset asked for enqueues it again.
		return Job{}, false, fmt.Errorf("sandbox: enqueue reset: %w", err)
	}
	return j, joined, nil
}
