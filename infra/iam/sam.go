package iam

import (
	"fmt"
	"regexp"

	"github.com/hapihub/hapihub/infra/template"
)

// SAM's policy templates the project's functions use, as SAM expands them (samtranslator's
// policy_templates_data/policy_templates.json in aws/serverless-application-model): the actions
// each grants and its resources, where ${Param} is the template's parameter and the ${AWS::...}
// pseudo parameters are the stack's. A template not listed here is an error at start, rather
// than a function quietly granted nothing or everything.
type samTemplate struct {
	params     []string
	statements []samStatement
}

type samStatement struct {
	actions   []string
	resources []string
}

const (
	tableArn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}"
	queueArn = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}"
)

var samTemplates = map[string]samTemplate{
	"DynamoDBCrudPolicy": {params: []string{"TableName"}, statements: []samStatement{{
		actions: []string{"dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
			"dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"},
		resources: []string{tableArn, tableArn + "/index/*"},
	}}},
	"DynamoDBReadPolicy": {params: []string{"TableName"}, statements: []samStatement{{
		actions:   []string{"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"},
		resources: []string{tableArn, tableArn + "/index/*"},
	}}},
	"DynamoDBWritePolicy": {params: []string{"TableName"}, statements: []samStatement{{
		actions:   []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"},
		resources: []string{tableArn, tableArn + "/index/*"},
	}}},
	"DynamoDBReconfigurePolicy": {params: []string{"TableName"}, statements: []samStatement{{
		actions: []string{"dynamodb:UpdateTable"}, resources: []string{tableArn},
	}}},
	"SQSSendMessagePolicy": {params: []string{"QueueName"}, statements: []samStatement{{
		actions: []string{"sqs:SendMessage*"}, resources: []string{queueArn},
	}}},
	"SQSPollerPolicy": {params: []string{"QueueName"}, statements: []samStatement{{
		actions: []string{"sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
			"sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
		resources: []string{queueArn},
	}}},
	"LambdaInvokePolicy": {params: []string{"FunctionName"}, statements: []samStatement{{
		actions:   []string{"lambda:InvokeFunction"},
		resources: []string{"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*"},
	}}},
}

var placeholder = regexp.MustCompile(`\$\{([^}]+)\}`)

func expandTemplate(name string, params map[string]template.Value, refs template.Refs) ([]Statement, error) {
	t, ok := samTemplates[name]
	if !ok {
		return nil, fmt.Errorf("policy template %s is not known to the local runner (infra/iam/sam.go)", name)
	}
	vals := map[string]string{"AWS::Partition": partition(refs), "AWS::Region": refs["AWS::Region"], "AWS::AccountId": refs["AWS::AccountId"]}
	for _, p := range t.params {
		v, ok := params[p]
		if !ok {
			return nil, fmt.Errorf("policy template %s needs parameter %s", name, p)
		}
		s, err := v.Resolve(refs)
		if err != nil {
			return nil, fmt.Errorf("policy template %s: %s: %w", name, p, err)
		}
		vals[p] = s
	}
	for p := range params {
		if _, ok := vals[p]; !ok || p == "AWS::Partition" || p == "AWS::Region" || p == "AWS::AccountId" {
			return nil, fmt.Errorf("policy template %s has no parameter %s", name, p)
		}
	}
	out := make([]Statement, 0, len(t.statements))
	for _, st := range t.statements {
		s := Statement{Effect: "Allow", Actions: st.actions}
		for _, r := range st.resources {
			s.Resources = append(s.Resources, placeholder.ReplaceAllStringFunc(r, func(m string) string {
				return vals[m[2:len(m)-1]]
			}))
		}
		out = append(out, s)
	}
	return out, nil
}
