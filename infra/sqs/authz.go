package sqs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Authorizer judges a caller's action on a resource as IAM does (infra/iam implements it from
// template.yaml's function policies). A caller it does not know is allowed.
type Authorizer interface {
	Authorize(accessKeyID, action, resource string) (principal string, allowed bool)
}

type authzHolder struct{ a Authorizer }

// SetAuthorizer makes the server judge every call by a (nil: judge none, the default).
func (s *Server) SetAuthorizer(a Authorizer) {
	if a == nil {
		s.authz.Store(nil)
		return
	}
	s.authz.Store(&authzHolder{a})
}

// queueArn is the ARN of the queue a request names (by QueueUrl, or QueueName for CreateQueue
// and GetQueueUrl); "*" for ListQueues.
func (s *Server) queueArn(op string, body []byte) string {
	var in struct{ QueueUrl, QueueName string }
	_ = json.Unmarshal(body, &in) // a malformed body is refused later, by the operation
	name := in.QueueName
	if in.QueueUrl != "" {
		if u, err := url.Parse(in.QueueUrl); err == nil {
			parts := strings.Split(strings.Trim(u.Path, "/"), "/")
			name = parts[len(parts)-1]
		}
	}
	if op == "ListQueues" || name == "" {
		return "*"
	}
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", s.opts.Region, s.opts.AccountID, name)
}

// authorize answers AccessDenied, as SQS does, when the caller may not run op on its queue.
// Batch actions are their own IAM actions in SQS (sqs:SendMessageBatch is allowed by
// sqs:SendMessage*, as SQSSendMessagePolicy grants it).
func (s *Server) authorize(r *http.Request, op string, body []byte) *apiError {
	h := s.authz.Load()
	if h == nil {
		return nil
	}
	akid := ""
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		akid, _, _ = strings.Cut(cred, "/")
	}
	action, resource := "sqs:"+op, s.queueArn(op, body)
	principal, ok := h.a.Authorize(akid, action, resource)
	if ok {
		return nil
	}
	return &apiError{status: http.StatusForbidden, typ: "com.amazon.coral.service#AccessDeniedException", query: "AccessDenied", sender: true,
		msg: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", principal, strings.ToLower(action), resource, strings.ToLower(action))}
}
