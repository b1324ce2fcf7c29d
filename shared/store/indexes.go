package store

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/schema"
)

// indexAttrs returns the GSI key attributes of an object. GSI1 answers equality look-ups by
// externalId (the PMS-style lookup and create-time dedupe): its partition is the tenant's
// resource partition plus the value, so it cannot cross tenants either.
func indexAttrs(t Tenant, res *schema.Resource, doc Doc) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	if ext, ok := doc["externalId"].(string); ok && ext != "" {
		out["GSI1PK"] = sv(t.partition(res.Name) + "#externalId#" + escape(ext))
		out["GSI1SK"] = sv(doc["id"].(string))
	}
	return out
}

func lookupResource(name string) (*schema.Resource, bool) { return schema.Lookup(name) }
