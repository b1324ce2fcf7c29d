package local

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/hapihub/hapihub/infra/template"
)

// resource is one node of API Gateway's resource tree: a path segment with its methods.
type resource struct {
	path    string // the template path of this node, e.g. /patients/{id}
	literal map[string]*resource
	param   *resource // {name}
	greedy  *resource // {name+}
	name    string    // parameter name when this node is a parameter
	methods map[string]*endpoint
}

// endpoint is a method on a resource: what the route runs and how it is authorized.
type endpoint struct {
	route      template.Route
	function   *template.Function
	authorizer *template.Authorizer // nil for a public route
	keyNeeded  bool                 // the route requires an API key (usage plans apply)
}

func newResource(path string) *resource {
	return &resource{path: path, literal: map[string]*resource{}, methods: map[string]*endpoint{}}
}

// routeTable is the resource tree of the API.
type routeTable struct{ root *resource }

func (rt *routeTable) add(ep *endpoint) error {
	n := rt.root
	if ep.route.Path != "/" {
		for _, seg := range strings.Split(strings.Trim(ep.route.Path, "/"), "/") {
			child := n.path + "/" + seg
			if n.path == "/" {
				child = "/" + seg
			}
			switch {
			case strings.HasSuffix(seg, "+}"):
				name := seg[1 : len(seg)-2]
				if n.greedy == nil {
					n.greedy = newResource(child)
					n.greedy.name = name
				} else if n.greedy.name != name {
					return fmt.Errorf("local: %s conflicts with %s (one greedy parameter per resource)", child, n.greedy.path)
				}
				n = n.greedy
			case strings.HasPrefix(seg, "{"):
				name := seg[1 : len(seg)-1]
				if n.param == nil {
					n.param = newResource(child)
					n.param.name = name
				} else if n.param.name != name {
					// API Gateway refuses sibling path variables with different names.
					return fmt.Errorf("local: %s conflicts with %s (sibling parameters must share a name)", child, n.param.path)
				}
				n = n.param
			default:
				if n.literal[seg] == nil {
					n.literal[seg] = newResource(child)
				}
				n = n.literal[seg]
			}
		}
	}
	n.methods[ep.route.Method] = ep
	return nil
}

// match finds the resource for an escaped request path as API Gateway does: a literal segment
// beats a {param}, which beats a {proxy+}; it backtracks when a more specific branch dead-ends.
// Parameter values are URL-decoded; a greedy parameter keeps its slashes.
func (rt *routeTable) match(escapedPath string) (*resource, map[string]string, bool) {
	p := strings.TrimPrefix(escapedPath, "/")
	if len(p) > 0 && strings.HasSuffix(p, "/") {
		p = strings.TrimSuffix(p, "/")
	}
	var segs []string
	if p != "" {
		segs = strings.Split(p, "/")
	}
	params := map[string]string{}
	n, ok := rt.root.find(segs, params)
	return n, params, ok
}

func (n *resource) find(segs []string, params map[string]string) (*resource, bool) {
	if len(segs) == 0 {
		if len(n.methods) > 0 {
			return n, true
		}
		return nil, false
	}
	seg, err := url.PathUnescape(segs[0])
	if err != nil {
		return nil, false
	}
	if c := n.literal[seg]; c != nil {
		if r, ok := c.find(segs[1:], params); ok {
			return r, true
		}
	}
	if c := n.param; c != nil && seg != "" {
		if r, ok := c.find(segs[1:], params); ok {
			params[c.name] = seg
			return r, true
		}
	}
	if c := n.greedy; c != nil && len(c.methods) > 0 {
		rest, err := url.PathUnescape(strings.Join(segs, "/"))
		if err == nil && rest != "" {
			params[c.name] = rest
			return c, true
		}
	}
	return nil, false
}

// endpointFor picks the method of a matched resource; ANY covers every method not declared.
func (n *resource) endpointFor(method string) (*endpoint, bool) {
	if ep, ok := n.methods[method]; ok {
		return ep, true
	}
	ep, ok := n.methods["ANY"]
	return ep, ok
}

// allowedMethods lists the resource's methods for a CORS preflight without AllowMethods.
func (n *resource) allowedMethods() string {
	ms := make([]string, 0, len(n.methods)+1)
	for m := range n.methods {
		ms = append(ms, m)
	}
	if _, ok := n.methods["OPTIONS"]; !ok {
		ms = append(ms, "OPTIONS")
	}
	sort.Strings(ms)
	return strings.Join(ms, ",")
}
