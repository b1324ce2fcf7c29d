// Package sdkhttp is the HTTP client to give aws-sdk-go-v2 clients (DynamoDB, SQS) so that a
// response is never lost to a race between the SDK and net/http over the request body.
//
// The race: smithy-go wraps every request body in a reader whose WriteTo returns io.EOF once
// the SDK has closed it, and the SDK closes it as soon as Do returns, i.e. when the response
// headers have arrived. net/http's Transport, after sending Content-Length bytes, makes one
// more copy from the body to check it is finished; if the server answered before that copy
// ran (the server has every byte it needs), io.Copy takes the body's WriteTo, gets io.EOF back
// as an error, and the Transport closes the connection while the SDK is still reading the
// response: "use of closed network connection", then "response did not match expected
// checksum" on close, and a retry of an operation that was executed (CreateTable then answers
// ResourceInUseException). It only shows when the writing goroutine is descheduled for the
// server's whole turn, so under CPU load, and with responses longer than the client's first read.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// New is the SDK's default HTTP client (the one a client gets when Options.HTTPClient is nil)
// behind Wrap.
func New() aws.HTTPClient { return Wrap(awshttp.NewBuildableClient()) }

// Wrap returns c with each request body reduced to Read and Close, so that net/http's final
// copy reads it (a closed SDK body then reads as a clean io.EOF) instead of calling its WriteTo.
func Wrap(c aws.HTTPClient) aws.HTTPClient { return readOnlyBodies{next: c} }

type readOnlyBodies struct{ next aws.HTTPClient }

func (c readOnlyBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return c.next.Do(r)
	}
	// A copy: the caller keeps its request (the SDK closes the body it built, which closes
	// the same reader underneath).
	r2 := r.WithContext(r.Context())
	r2.Body = readOnly{r.Body}
	if getBody := r.GetBody; getBody != nil {
		r2.GetBody = func() (io.ReadCloser, error) {
			b, err := getBody()
			if err != nil || b == nil || b == http.NoBody {
				return b, err
			}
			return readOnly{b}, nil
		}
	}
	return c.next.Do(r2)
}

// readOnly hides every method of the body but Read and Close (WriteTo above all).
type readOnly struct{ rc io.ReadCloser }

func (b readOnly) Read(p []byte) (int, error) { return b.rc.Read(p) }
func (b readOnly) Close() error               { return b.rc.Close() }
