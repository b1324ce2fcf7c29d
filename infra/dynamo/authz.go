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
func (e *Engine) permissions(op string, body []byte) ([]permission, *apiError) {
	var in struct {
		TableName     string
		IndexName     string
		RequestItems  map[string]json.RawMessage
		TransactItems []map[string]struct{ TableName string }
	}
	_ = json.Unmarshal(body, &in) // a malformed body is refused later, by the operation
	if m := missingTarget(op, in.TableName, in.RequestItems == nil, in.TransactItems == nil); m != "" {
		return nil, validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", m)
	}
	arn := func(table string) string {
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", e.opts.Region, e.opts.AccountID, table)
	}
	switch op {
	case "ListTables", "DescribeLimits":
		return []permission{{"dynamodb:" + op, "*"}}, nil
	case "DescribeEndpoints":
		return nil, nil
	case "BatchGetItem", "BatchWriteItem":
		var out []permission
		for table := range in.RequestItems {
			out = append(out, permission{"dynamodb:" + op, arn(table)})
		}
		return out, nil
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
		return out, nil
	case "Query", "Scan":
		if in.IndexName != "" {
			return []permission{{"dynamodb:" + op, arn(in.TableName) + "/index/" + in.IndexName}}, nil
		}
	}
	return []permission{{"dynamodb:" + op, arn(in.TableName)}}, nil
}

// missingTarget names the required member that says what op acts on when the request lacks it
// ("" when it is there). DynamoDB validates a request against its model before authorizing it
// (authorization needs the resource the request names), so a request without its table, e.g.
// an empty body, is a ValidationException, never AccessDeniedException on "table/"
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html,
// ValidationException; TableName is required in API_GetItem.html and every table operation).
func missingTarget(op, table string, noRequestItems, noTransactItems bool) string {
	switch op {
	case "ListTables", "DescribeLimits", "DescribeEndpoints":
		return ""
	case "BatchGetItem", "BatchWriteItem":
		if noRequestItems {
			return "requestItems"
		}
		return ""
	case "TransactWriteItems", "TransactGetItems":
		if noTransactItems {
			return "transactItems"
		}
		return ""
	}
	if table == "" {
		return "tableName"
	}
	return ""
}

// authorize answers AccessDeniedException, as DynamoDB does, for the first permission the caller
// lacks.
func (e *Engine) authorize(r *http.Request, op string, body []byte) *apiError {
	h := e.authz.Load()
	if h == nil {
		return nil
	}
	akid := accessKeyID(r)
	perms, invalid := e.permissions(op, body)
	if invalid != nil {
		return invalid
	}
	for _, p := range perms {
		if principal, ok := h.a.Authorize(akid, p.action, p.resource); !ok {
			return &apiError{status: 400, code: "AccessDeniedException", ns: nsCoral,
				msg: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", principal, p.action, p.resource, p.action)}
		}
	}
	return nil
}
