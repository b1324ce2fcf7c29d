package dynamo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Authorizer judges a caller's action on a resource as IAM does (infra/iam implements it from
// template.yaml's function policies). A caller it does not know is allowed.
type Authorizer interface {
	Authorize(accessKeyID, action, resource string) (principal string, allowed bool)
}

type authzHolder struct{ a Authorizer }

// SetAuthorizer makes the engine judge every call by a (nil: judge none, the default).
func (e *Engine) SetAuthorizer(a Authorizer) {
	if a == nil {
		e.authz.Store(nil)
		return
	}
	e.authz.Store(&authzHolder{a})
}

// accessKeyID reads the access key id from a SigV4 Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...").
func accessKeyID(r *http.Request) string {
	h := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	akid, _, _ := strings.Cut(cred, "/")
	return akid
}

// permission is one action on one resource a request needs.
type permission struct{ action, resource string }

// permissions lists what op needs, as DynamoDB's IAM actions define it: a transaction needs
// the action of each of its items (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem)
// on the item's table, a batch its own action on each table, a Query or Scan of an index the
// index's ARN (table/<name>/index/<index>).
func (e *Engine) permissions(op string, body []byte) []permission {
	var in struct {
		TableName     string
		IndexName     string
		RequestItems  map[string]json.RawMessage
		TransactItems []map[string]struct{ TableName string }
	}
	_ = json.Unmarshal(body, &in) // a malformed body is refused later, by the operation
	arn := func(table string) string {
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", e.opts.Region, e.opts.AccountID, table)
	}
	switch op {
	case "ListTables", "DescribeLimits":
		return []permission{{"dynamodb:" + op, "*"}}
	case "DescribeEndpoints":
		return nil
	case "BatchGetItem", "BatchWriteItem":
		var out []permission
		for table := range in.RequestItems {
			out = append(out, permission{"dynamodb:" + op, arn(table)})
		}
		return out
	case "TransactWriteItems", "TransactGetItems":
		action := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
		var out []permission
		for _, it := range in.TransactItems {
			for kind, a := range it {
				if act, ok := action[kind]; ok {
					out = append(out, permission{"dynamodb:" + act, arn(a.TableName)})
				}
			}
		}
		return out
	case "Query", "Scan":
		if in.IndexName != "" {
			return []permission{{"dynamodb:" + op, arn(in.TableName) + "/index/" + in.IndexName}}
		}
	}
	return []permission{{"dynamodb:" + op, arn(in.TableName)}}
}

// authorize answers AccessDeniedException, as DynamoDB does, for the first permission the caller
// lacks.
func (e *Engine) authorize(r *http.Request, op string, body []byte) *apiError {
	h := e.authz.Load()
	if h == nil {
		return nil
	}
	akid := accessKeyID(r)
	for _, p := range e.permissions(op, body) {
		if principal, ok := h.a.Authorize(akid, p.action, p.resource); !ok {
			return &apiError{status: 400, code: "AccessDeniedException", ns: nsCoral,
				msg: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", principal, p.action, p.resource, p.action)}
		}
	}
	return nil
}
