package sdkhttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/shared/sdkhttp"
)

// TestWrapKeepsTheAnswerWhenTheServerAnswersBeforeTheBodyCheck replays, deterministically, the
// schedule a loaded machine produces by chance: net/http's final read of the request body runs
// only after the SDK has received the response headers (and so closed its body), and the SDK
// reads the rest of the response only after that read. The SDK's own client then loses the
// answer; the wrapped one keeps it. Should the "sdk as is" case start passing, the SDK or
// net/http has fixed the race and Wrap can go.
func TestWrapKeepsTheAnswerWhenTheServerAnswersBeforeTheBodyCheck(t *testing.T) {
	tests := []struct {
		name string
		wrap func(aws.HTTPClient) aws.HTTPClient
		lost bool
	}{
		{name: "sdk as is", wrap: func(c aws.HTTPClient) aws.HTTPClient { return c }, lost: true},
		{name: "wrapped", wrap: sdkhttp.Wrap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			endpoint := dynamotest.Endpoint(t)
			setup := dynamotest.Client(endpoint)
			_, err := setup.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            aws.String("big"),
				BillingMode:          types.BillingModePayPerRequest,
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
			})
			require.NoError(t, err)
			// Longer than the client's first read of the response (4 KiB), so most of it is
			// still on the connection when the SDK starts reading.
			big := strings.Repeat("x", 64<<10)
			key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}
			_, err = setup.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("big"),
				Item: map[string]types.AttributeValue{"pk": key["pk"], "v": &types.AttributeValueMemberS{Value: big}}})
			require.NoError(t, err)

			c := dynamodb.New(dynamodb.Options{
				Region:           "us-east-1",
				BaseEndpoint:     aws.String(endpoint),
				Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
				RetryMaxAttempts: 1,
				HTTPClient:       tc.wrap(newLateChecks(t)),
			})
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("big"), Key: key})
			if tc.lost {
				require.ErrorIs(t, err, net.ErrClosed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, &types.AttributeValueMemberS{Value: big}, out.Item["v"])
		})
	}
}

func TestWrapLeavesBodilessRequestsAlone(t *testing.T) {
	var got *http.Request
	c := sdkhttp.Wrap(doFunc(func(r *http.Request) (*http.Response, error) { got = r; return &http.Response{}, nil }))
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	require.NoError(t, err)
	_, err = c.Do(r)
	require.NoError(t, err)
	assert.Same(t, r, got)
}

func TestWrapHidesWriteToAndClosesTheBody(t *testing.T) {
	var got *http.Request
	c := sdkhttp.Wrap(doFunc(func(r *http.Request) (*http.Response, error) { got = r; return &http.Response{}, nil }))
	body := &closeSpy{Reader: strings.NewReader("{}")}
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", body)
	require.NoError(t, err)
	r.GetBody = func() (io.ReadCloser, error) { return &closeSpy{Reader: strings.NewReader("{}")}, nil }
	_, err = c.Do(r)
	require.NoError(t, err)
	_, isWriterTo := got.Body.(io.WriterTo)
	assert.False(t, isWriterTo, "body")
	again, err := got.GetBody()
	require.NoError(t, err)
	_, isWriterTo = again.(io.WriterTo)
	assert.False(t, isWriterTo, "GetBody")
	b, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b))
	require.NoError(t, got.Body.Close())
	assert.True(t, body.closed)
	assert.Same(t, body, r.Body, "the caller's request is left as it was")
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

type closeSpy struct {
	*strings.Reader
	closed bool
}

func (c *closeSpy) Close() error { c.closed = true; return nil }

// lateChecks is the SDK's default HTTP client with the loaded machine's schedule imposed on
// each request: net/http's read past Content-Length waits until the caller reads the
// response, and that read waits until the connection has been closed or 100 ms have passed.
type lateChecks struct {
	t    testing.TB
	next aws.HTTPClient
}

func newLateChecks(t testing.TB) lateChecks {
	next := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &spyConn{Conn: c, closed: make(chan struct{})}, nil
		}
	})
	return lateChecks{t: t, next: next}
}

func (l lateChecks) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.ContentLength <= 0 {
		return l.next.Do(r)
	}
	var conn *spyConn
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { conn, _ = info.Conn.(*spyConn) },
	}))
	body := &lateBody{rc: r.Body, left: r.ContentLength, gate: make(chan struct{}), checked: make(chan struct{})}
	r.Body = body
	if _, ok := body.rc.(io.WriterTo); ok {
		// Keep the SDK body's shape: its WriteTo is what net/http calls.
		r.Body = lateWriterTo{body}
	}
	resp, err := l.next.Do(r)
	if err != nil {
		body.open()
		return resp, err
	}
	resp.Body = &lateResponse{ReadCloser: resp.Body, before: func() {
		body.open()
		select {
		case <-body.checked:
		case <-time.After(2 * time.Second):
			l.t.Error("net/http never read the request body past its length")
		}
		if conn == nil {
			l.t.Error("no connection seen")
			return
		}
		select {
		case <-conn.closed:
		case <-time.After(100 * time.Millisecond):
		}
	}}
	return resp, nil
}

// lateBody holds back any read past the first Content-Length bytes until gate opens.
type lateBody struct {
	rc            io.ReadCloser
	left          int64
	gate, checked chan struct{}
	openOnce      sync.Once
	checkOnce     sync.Once
}

func (b *lateBody) open() { b.openOnce.Do(func() { close(b.gate) }) }

// late waits for the gate if the body has been read to its length, and says whether it did.
func (b *lateBody) late() bool {
	if b.left > 0 {
		return false
	}
	select {
	case <-b.gate:
	case <-time.After(2 * time.Second):
	}
	return true
}

func (b *lateBody) done() { b.checkOnce.Do(func() { close(b.checked) }) }

func (b *lateBody) Read(p []byte) (int, error) {
	if b.late() {
		defer b.done()
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *lateBody) Close() error { return b.rc.Close() }

type lateWriterTo struct{ *lateBody }

func (b lateWriterTo) WriteTo(w io.Writer) (int64, error) {
	if b.late() {
		defer b.done()
	}
	n, err := b.rc.(io.WriterTo).WriteTo(w)
	b.left -= n
	return n, err
}

// lateResponse runs before once, ahead of the first read or the close.
type lateResponse struct {
	io.ReadCloser
	before func()
	once   sync.Once
}

func (r *lateResponse) Read(p []byte) (int, error) {
	r.once.Do(r.before)
	return r.ReadCloser.Read(p)
}

func (r *lateResponse) Close() error {
	r.once.Do(r.before)
	return r.ReadCloser.Close()
}

type spyConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *spyConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
