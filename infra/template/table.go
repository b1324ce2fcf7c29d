package template

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table is the AWS::DynamoDB::Table, already in the SDK's types.
type Table struct {
	LogicalID              string
	TableName              string // the template's TableName, "" when CloudFormation names it
	BillingMode            types.BillingMode
	AttributeDefinitions   []types.AttributeDefinition
	KeySchema              []types.KeySchemaElement
	GlobalSecondaryIndexes []types.GlobalSecondaryIndex
	LocalSecondaryIndexes  []types.LocalSecondaryIndex
	ProvisionedThroughput  *types.ProvisionedThroughput
	// TTLAttribute is TimeToLiveSpecification.AttributeName when Enabled, else "".
	TTLAttribute string
}

// CreateTableInput returns the request that creates the table under name. Each call returns fresh
// slices, so a caller may change the result.
func (t *Table) CreateTableInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          t.BillingMode,
		AttributeDefinitions: append([]types.AttributeDefinition(nil), t.AttributeDefinitions...),
		KeySchema:            append([]types.KeySchemaElement(nil), t.KeySchema...),
	}
	if t.ProvisionedThroughput != nil {
		pt := *t.ProvisionedThroughput
		in.ProvisionedThroughput = &pt
	}
	for _, g := range t.GlobalSecondaryIndexes {
		g.KeySchema = append([]types.KeySchemaElement(nil), g.KeySchema...)
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
	}
	for _, l := range t.LocalSecondaryIndexes {
		l.KeySchema = append([]types.KeySchemaElement(nil), l.KeySchema...)
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, l)
	}
	return in
}

// UpdateTimeToLiveInput returns the request that turns TTL on, or nil when the template has none.
func (t *Table) UpdateTimeToLiveInput(name string) *dynamodb.UpdateTimeToLiveInput {
	if t.TTLAttribute == "" {
		return nil
	}
	return &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
	}
}

func parseTable(id string, p mapping) (*Table, error) {
	t := &Table{LogicalID: id}
	var err error
	if t.TableName, err = p.str("TableName"); err != nil {
		return nil, err
	}
	bm, err := p.str("BillingMode")
	if err != nil {
		return nil, err
	}
	switch bm {
	case "", "PROVISIONED":
		t.BillingMode = types.BillingModeProvisioned
	case "PAY_PER_REQUEST":
		t.BillingMode = types.BillingModePayPerRequest
	default:
		return nil, p.errf("BillingMode", "expected PAY_PER_REQUEST or PROVISIONED, found %q", bm)
	}
	declared, err := t.parseAttributes(p)
	if err != nil {
		return nil, err
	}
	if t.KeySchema, err = keySchema(p, "KeySchema", declared); err != nil {
		return nil, err
	}
	if t.ProvisionedThroughput, err = throughput(p, t.BillingMode); err != nil {
		return nil, err
	}
	if err := t.parseIndexes(p, declared); err != nil {
		return nil, err
	}
	ttl, err := p.sub("TimeToLiveSpecification")
	if err != nil {
		return nil, err
	}
	if on, err := ttl.boolean("Enabled", false); err != nil {
		return nil, err
	} else if on {
		if t.TTLAttribute, err = ttl.required("AttributeName"); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// parseAttributes reads AttributeDefinitions and returns the declared names.
func (t *Table) parseAttributes(p mapping) (map[string]bool, error) {
	defs, err := p.list("AttributeDefinitions")
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	for _, d := range defs {
		name, err := d.required("AttributeName")
		if err != nil {
			return nil, err
		}
		typ, err := d.required("AttributeType")
		if err != nil {
			return nil, err
		}
		if typ != "S" && typ != "N" && typ != "B" {
			return nil, d.errf("AttributeType", "expected S, N or B, found %q", typ)
		}
		declared[name] = true
		t.AttributeDefinitions = append(t.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeType(typ)})
	}
	return declared, nil
}

// parseIndexes reads GlobalSecondaryIndexes and LocalSecondaryIndexes.
func (t *Table) parseIndexes(p mapping, declared map[string]bool) error {
	gsis, err := p.list("GlobalSecondaryIndexes")
	if err != nil {
		return err
	}
	for _, g := range gsis {
		name, ks, proj, err := indexBase(g, declared)
		if err != nil {
			return err
		}
		pt, err := throughput(g, t.BillingMode)
		if err != nil {
			return err
		}
		t.GlobalSecondaryIndexes = append(t.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{IndexName: aws.String(name), KeySchema: ks, Projection: proj, ProvisionedThroughput: pt})
	}
	lsis, err := p.list("LocalSecondaryIndexes")
	if err != nil {
		return err
	}
	for _, l := range lsis {
		name, ks, proj, err := indexBase(l, declared)
		if err != nil {
			return err
		}
		t.LocalSecondaryIndexes = append(t.LocalSecondaryIndexes, types.LocalSecondaryIndex{IndexName: aws.String(name), KeySchema: ks, Projection: proj})
	}
	return nil
}

// indexBase reads what a global and a local index have in common: name, key schema, projection.
func indexBase(ix mapping, declared map[string]bool) (string, []types.KeySchemaElement, *types.Projection, error) {
	name, err := ix.required("IndexName")
	if err != nil {
		return "", nil, nil, err
	}
	ks, err := keySchema(ix, "KeySchema", declared)
	if err != nil {
		return "", nil, nil, err
	}
	proj, err := projection(ix)
	if err != nil {
		return "", nil, nil, err
	}
	return name, ks, proj, nil
}

func keySchema(p mapping, k string, declared map[string]bool) ([]types.KeySchemaElement, error) {
	els, err := p.list(k)
	if err != nil {
		return nil, err
	}
	if len(els) < 1 || len(els) > 2 {
		return nil, p.errf(k, "expected a HASH key and an optional RANGE key, found %d elements", len(els))
	}
	var out []types.KeySchemaElement
	for i, e := range els {
		name, err := e.required("AttributeName")
		if err != nil {
			return nil, err
		}
		typ, err := e.required("KeyType")
		if err != nil {
			return nil, err
		}
		if want := []string{"HASH", "RANGE"}[i]; typ != want {
			return nil, e.errf("KeyType", "expected %s, found %q", want, typ)
		}
		if !declared[name] {
			return nil, e.errf("AttributeName", "%q is not in AttributeDefinitions", name)
		}
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(name), KeyType: types.KeyType(typ)})
	}
	return out, nil
}

func projection(p mapping) (*types.Projection, error) {
	m, err := p.sub("Projection")
	if err != nil {
		return nil, err
	}
	typ, err := m.str("ProjectionType")
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = "KEYS_ONLY" // CloudFormation's default
	}
	if typ != "ALL" && typ != "KEYS_ONLY" && typ != "INCLUDE" {
		return nil, m.errf("ProjectionType", "expected ALL, KEYS_ONLY or INCLUDE, found %q", typ)
	}
	nka, err := m.strings("NonKeyAttributes")
	if err != nil {
		return nil, err
	}
	if (typ == "INCLUDE") != (len(nka) > 0) {
		return nil, m.errf("NonKeyAttributes", "given exactly when ProjectionType is INCLUDE")
	}
	return &types.Projection{ProjectionType: types.ProjectionType(typ), NonKeyAttributes: nka}, nil
}

func throughput(p mapping, mode types.BillingMode) (*types.ProvisionedThroughput, error) {
	if !p.has("ProvisionedThroughput") {
		if mode == types.BillingModeProvisioned {
			return nil, p.errf("ProvisionedThroughput", "required with BillingMode PROVISIONED")
		}
		return nil, nil
	}
	if mode == types.BillingModePayPerRequest {
		return nil, p.errf("ProvisionedThroughput", "not allowed with BillingMode PAY_PER_REQUEST")
	}
	m, err := p.sub("ProvisionedThroughput")
	if err != nil {
		return nil, err
	}
	r, err := m.integer("ReadCapacityUnits", 0)
	if err != nil {
		return nil, err
	}
	w, err := m.integer("WriteCapacityUnits", 0)
	if err != nil {
		return nil, err
	}
	if r < 1 || w < 1 {
		return nil, fmt.Errorf("%s: ReadCapacityUnits and WriteCapacityUnits must be at least 1", m.path)
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(int64(r)), WriteCapacityUnits: aws.Int64(int64(w))}, nil
}
