// Package iam judges calls to the embedded AWS services as IAM judges a Lambda function's calls
// on AWS: each function of template.yaml has an identity (the access key id its SDK clients sign
// with, given by the local runner) and the policies of its Policies property, SAM policy
// templates expanded as SAM defines them plus inline statements, and a call is allowed only when
// a statement allows its action on its resource and none denies it. So a function missing a
// permission fails locally, in tests and in make run, as it would first have failed on AWS.
//
// Callers that are not functions (the runner creating the table, tests, the aws CLI) sign with
// other keys and are not judged, as DynamoDB Local judges nobody.
package iam

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hapihub/hapihub/infra/template"
)

// Statement is one resolved policy statement.
type Statement struct {
	Effect    string // Allow or Deny
	Actions   []string
	Resources []string
}

// Identity is one function's: who it is and what it may do.
type Identity struct {
	Function   string // logical id
	Principal  string // the ARN named in AccessDenied messages
	Statements []Statement
}

// Policies maps access key ids to function identities.
type Policies struct {
	byKey map[string]*Identity

	mu     sync.Mutex
	denied []string // the refusals so far (the first 100), for tests and logs
}

// Denied lists the calls refused so far ("<principal> <action> <resource>").
func (p *Policies) Denied() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.denied...)
}

// AccessKeyID is the access key id the local runner gives fn's SDK clients.
func AccessKeyID(fn *template.Function) string { return "LOCAL" + strings.ToUpper(fn.LogicalID) }

// New expands the policies of every function of tpl, resolving references with refs (the
// runner's: table name, queue names and ARNs, region and account).
func New(tpl *template.Template, refs template.Refs) (*Policies, error) {
	refs = withTableArn(tpl, refs)
	p := &Policies{byKey: map[string]*Identity{}}
	for _, fn := range tpl.Functions {
		id := &Identity{Function: fn.LogicalID,
			Principal: fmt.Sprintf("arn:aws:sts::%s:assumed-role/%sRole/%s", refs["AWS::AccountId"], fn.LogicalID, fn.Name)}
		for _, pol := range fn.Policies {
			sts, err := expand(pol, refs)
			if err != nil {
				return nil, fmt.Errorf("iam: %s: Policies (line %d): %w", fn.LogicalID, pol.Line, err)
			}
			id.Statements = append(id.Statements, sts...)
		}
		p.byKey[AccessKeyID(fn)] = id
	}
	return p, nil
}

// withTableArn adds Table.Arn (what !GetAtt Table.Arn gives) to refs when the runner did not.
func withTableArn(tpl *template.Template, refs template.Refs) template.Refs {
	out := template.Refs{}
	for k, v := range refs {
		out[k] = v
	}
	if tpl.Table != nil {
		id := tpl.Table.LogicalID
		if _, ok := out[id+".Arn"]; !ok {
			out[id+".Arn"] = fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", partition(out), out["AWS::Region"], out["AWS::AccountId"], out[id])
		}
	}
	return out
}

func partition(refs template.Refs) string {
	if p := refs["AWS::Partition"]; p != "" {
		return p
	}
	return "aws"
}

func expand(pol template.Policy, refs template.Refs) ([]Statement, error) {
	switch {
	case pol.Template != "":
		return expandTemplate(pol.Template, pol.Params, refs)
	case pol.Managed != "":
		// AWS managed policies the functions may list grant logging and tracing only (the
		// template's own test forbids the full-access ones): nothing on the services here.
		return nil, nil
	}
	out := make([]Statement, 0, len(pol.Statements))
	for _, st := range pol.Statements {
		s := Statement{Effect: st.Effect, Actions: st.Actions}
		for _, r := range st.Resources {
			v, err := r.Resolve(refs)
			if err != nil {
				return nil, err
			}
			s.Resources = append(s.Resources, v)
		}
		out = append(out, s)
	}
	return out, nil
}

// Functions lists the identities' functions (sorted), for messages and tests.
func (p *Policies) Functions() []string {
	var out []string
	for _, id := range p.byKey {
		out = append(out, id.Function)
	}
	sort.Strings(out)
	return out
}

// Authorize judges one call: accessKeyID's action on resource. A key that is no function's is
// not judged (allowed, principal ""). Otherwise an explicit Deny wins, then any Allow; without
// one the call is denied, and principal names the caller for the AccessDenied message.
func (p *Policies) Authorize(accessKeyID, action, resource string) (principal string, allowed bool) {
	id := p.byKey[accessKeyID]
	if id == nil {
		return "", true
	}
	allowed = false
	for _, st := range id.Statements {
		if !matchAny(st.Actions, action, true) || !matchAny(st.Resources, resource, false) {
			continue
		}
		if st.Effect == "Deny" {
			allowed = false
			break
		}
		allowed = true
	}
	if !allowed {
		p.mu.Lock()
		if len(p.denied) < 100 {
			p.denied = append(p.denied, id.Principal+" "+action+" "+resource)
		}
		p.mu.Unlock()
	}
	return id.Principal, allowed
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if glob(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches IAM's wildcards: * any run of characters (slashes too), ? one character.
func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if glob(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
