package sandbox_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

var jobSizes = sandbox.Sizes{Patients: 20, Practitioners: 4, Appointments: 60, Messages: 20, Invoices: 20}

// jobsOn is sandbox jobs over the embedded DynamoDB and SQS; the queue redelivers after 1 s, as
// the worker's lease expires.
func jobsOn(t *testing.T) (*sandbox.Jobs, *awssqs.Client, string) {
	t.Helper()
	q, _ := sqstest.New(t)
	out, err := q.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String("jobs"),
		Attributes: map[string]string{"VisibilityTimeout": "1"}})
	require.NoError(t, err)
	st := storetest.New(t)
	return &sandbox.Jobs{Store: st, Queue: q, QueueURL: *out.QueueUrl, Lease: time.Second, Sizes: jobSizes}, q, *out.QueueUrl
}

func receive(t *testing.T, q *awssqs.Client, url string, wait int32) []string {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
	require.NoError(t, err)
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, *m.Body)
	}
	return bodies
}

// counts are the sandbox's objects per resource.
func counts(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, name := range schema.ClinicalResources {
		res, _ := schema.Lookup(name)
		all, err := st.ListAll(context.Background(), tenant, res)
		require.NoError(t, err)
		out[name] = len(all)
	}
	return out
}

var full = map[string]int{"patients": 20, "practitioners": 4, "appointments": 60, "messages": 20, "invoices": 20}

// TestResetJobKilledMidwayEndsComplete: a worker stopped in the middle of a reset leaves the job
// running, never succeeded; the queue's redelivery after the lease runs it again and the sandbox
// ends complete.
func TestResetJobKilledMidwayEndsComplete(t *testing.T) {
	ctx := context.Background()
	jobs, q, url := jobsOn(t)
	killer := &killAfterStep{DB: jobs.Store.DB}
	jobs.Store.DB = killer
	require.NoError(t, sandbox.FillSized(ctx, jobs.Store, tenant, sandbox.Seed, jobSizes))
	_, err := jobs.Store.CreateObject(ctx, tenant, schema.Practitioners, domain.Doc{"firstName": "New", "lastName": "Hire"}, domain.Meta{})
	require.NoError(t, err)

	j, joined, err := jobs.Start(ctx, tenant.Account, tenant.Org)
	require.NoError(t, err)
	assert.False(t, joined)
	assert.Equal(t, sandbox.JobQueued, j.Status)
	msgs := receive(t, q, url, 1)
	require.Len(t, msgs, 1)

	// The kill: the worker's context ends as soon as it has recorded its third step (three
	// resources purged), whatever the machine's speed: a watcher polling the job raced the rest
	// of the run on a loaded machine.
	kctx, kill := context.WithCancel(ctx)
	killer.arm(3, kill)
	err = jobs.Run(kctx, msgs[0])
	kill()
	require.Error(t, err, "the killed run fails, so its message is not deleted")
	cur, ok, err := jobs.Get(ctx, tenant.Org)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, sandbox.JobRunning, cur.Status, "an interrupted reset is never reported done")
	assert.Less(t, cur.Done, cur.Total)
	assert.NotEqual(t, full, counts(t, jobs.Store), "the kill left the sandbox half reset")

	// While its lease lasts, asking again joins the running job.
	again, joined, err := jobs.Start(ctx, tenant.Account, tenant.Org)
	require.NoError(t, err)
	assert.True(t, joined)
	assert.Equal(t, j.ID, again.ID)

	// Redelivery after the visibility timeout (1 s) and the lease (1 s): the job runs again.
	// A delivery while the dead worker's lease still runs backs off (the message comes again);
	// nothing else may fail it. The rerun is waited for however long it takes (a whole reset:
	// over 15 s on a loaded machine under -race); the bound on
	// receives (each a 1 s long poll when the queue is empty) only stops a hang.
	var redelivered []string
	for polls := 1; ; polls++ {
		require.Less(t, polls, 120, "the message comes back and runs once the dead worker's lease ends")
		if redelivered = receive(t, q, url, 1); len(redelivered) == 0 {
			continue
		}
		err := jobs.Run(ctx, redelivered[0])
		if err == nil {
			break
		}
		require.ErrorContains(t, err, "running elsewhere", "a delivery during the dead worker's lease backs off")
	}
	cur, _, err = jobs.Get(ctx, tenant.Org)
	require.NoError(t, err)
	assert.Equal(t, sandbox.JobSucceeded, cur.Status)
	assert.Equal(t, 2, cur.Attempts)
	assert.Equal(t, cur.Total, cur.Done)
	assert.Equal(t, full, cur.Seeded)
	assert.Equal(t, full, counts(t, jobs.Store), "the sandbox ends complete")

	// A stale delivery of the finished job does nothing.
	require.NoError(t, jobs.Run(ctx, redelivered[0]))
	assert.Equal(t, full, counts(t, jobs.Store))
}

// killAfterStep is the store's DynamoDB client, which, once armed, calls kill right after the
// job's progress write of step n has committed: the worker dies there, as if stopped.
type killAfterStep struct {
	core.DB
	mu   sync.Mutex
	n    string
	kill func()
}

func (k *killAfterStep) arm(n int, kill func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n, k.kill = strconv.Itoa(n), kill
}

func (k *killAfterStep) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := k.DB.UpdateItem(ctx, in, opts...)
	k.mu.Lock()
	defer k.mu.Unlock()
	if done, ok := in.ExpressionAttributeValues[":done"].(*types.AttributeValueMemberN); ok && err == nil && k.kill != nil && done.Value == k.n {
		k.kill()
		k.kill = nil
	}
	return out, err
}

// TestConcurrentResetsNeverInterleave (issue 16, finding 6): resets asked for at once are one
// job; two workers given its message at once run it once, the other backs off; the sandbox ends
// with St. Mungo's exact counts.
func TestConcurrentResetsNeverInterleave(t *testing.T) {
	ctx := context.Background()
	jobs, q, url := jobsOn(t)
	require.NoError(t, sandbox.FillSized(ctx, jobs.Store, tenant, sandbox.Seed, jobSizes))

	ids := make([]string, 3)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, _, err := jobs.Start(ctx, tenant.Account, tenant.Org)
			assert.NoError(t, err)
			ids[i] = j.ID
		}()
	}
	wg.Wait()
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, ids[0], ids[2])

	msgs := receive(t, q, url, 1)
	require.NotEmpty(t, msgs)
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = jobs.Run(ctx, msgs[0]) }()
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			assert.ErrorContains(t, err, "running elsewhere")
		}
	}
	// Either the second worker found the job running (and will retry later), or it came after
	// the first had finished (and had nothing to do).
	assert.LessOrEqual(t, failed, 1)
	cur, _, err := jobs.Get(ctx, tenant.Org)
	require.NoError(t, err)
	assert.Equal(t, sandbox.JobSucceeded, cur.Status)
	assert.Equal(t, 1, cur.Attempts, "one run only")
	assert.Equal(t, full, counts(t, jobs.Store))
}
