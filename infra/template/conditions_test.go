package template

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Conditions are judged with every parameter at its default, as the runner deploys; !If picks a
// branch by them (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html).
func TestConditionsAndIf(t *testing.T) {
	src := `
Parameters:
  Egress: {Type: String, Default: "false", AllowedValues: ["false", "true"]}
  Name: {Type: String, Default: v1}
Conditions:
  StaticEgress: !Equals [!Ref Egress, "true"]
  NamedV1: {"Fn::Equals": [v1, !Ref Name]}
Resources:
  Ip1:
    Type: AWS::EC2::EIP
    Condition: StaticEgress
    Properties: {Domain: vpc}
  ThingFunction:
    Type: AWS::Serverless::Function
    Properties:
      VpcConfig: !If [StaticEgress, {SubnetIds: [a]}, !Ref AWS::NoValue]
      Environment:
        Variables:
          IPS: !If [StaticEgress, !Sub "${Ip1}", ""]
          NAME: {"Fn::If": [NamedV1, yes, no]}
`
	tpl, err := Parse([]byte(src))
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"StaticEgress": false, "NamedV1": true}, tpl.Conditions)
	fn, ok := tpl.Function("thing")
	require.True(t, ok)
	env, err := fn.Environment(tpl.Refs("us-east-1", "123", nil))
	require.NoError(t, err)
	assert.Equal(t, "", env["IPS"], "the false branch; the EIP it would name does not exist")
	assert.Equal(t, "yes", env["NAME"])

	// With the condition true (as on AWS with Egress=true) the other branch resolves.
	refs := tpl.Refs("us-east-1", "123", Refs{"Condition::StaticEgress": "true", "Ip1": "198.51.100.7"})
	env, err = fn.Environment(refs)
	require.NoError(t, err)
	assert.Equal(t, "198.51.100.7", env["IPS"])

	for _, bad := range []string{
		"Conditions:\n  C: !Not [true]\nResources: {X: {Type: AWS::SQS::Queue, Properties: {}}}",
		"Conditions:\n  C: !Equals [!Ref Nope, a]\nResources: {X: {Type: AWS::SQS::Queue, Properties: {}}}",
		"Conditions:\n  C: !Equals [a]\nResources: {X: {Type: AWS::SQS::Queue, Properties: {}}}",
	} {
		_, err := Parse([]byte("Parameters: {}\n" + bad))
		assert.Error(t, err, bad)
	}
	_, err = Parse([]byte(strings.Replace(src, "!If [StaticEgress, !Sub \"${Ip1}\", \"\"]", "!If [StaticEgress, a]", 1)))
	assert.ErrorContains(t, err, "!If needs")
}
