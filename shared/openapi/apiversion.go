package openapi

import "github.com/hapihub/hapihub/shared/apiversion"

// Every request with a key is served in one API version (shared/api/version.go): the document
// names the HapiHub-Version request header on every authenticated operation and the response
// header on each of its responses, errors included. Public operations have no account to pin,
// so they carry neither.

const (
	versionParamRef  = "#/components/parameters/HapiHubVersion"
	versionHeaderRef = "#/components/headers/HapiHubVersion"
)

func versionDescription() string {
	known := ""
	for i, v := range apiversion.Releases.Known() {
		if i > 0 {
			known += ", "
		}
		known += "`" + string(v) + "`"
	}
	return "A dated API version (YYYY-MM-DD) to serve this request in, instead of the account's pinned version. " +
		"Known versions: " + known + " (docs/changelog.md). An unknown version is a 400 naming this header."
}

// versionComponents adds the header's parameter and response header to the components.
func versionComponents(headers, parameters Doc) {
	headers["HapiHubVersion"] = Doc{"description": "The API version this response was served in: the request's HapiHub-Version, else the account's.",
		"schema": Doc{"type": "string", "format": "date"}}
	parameters["HapiHubVersion"] = Doc{"name": apiversion.Header, "in": "header", "required": false, "description": versionDescription(),
		"schema": Doc{"type": "string", "format": "date", "example": string(apiversion.Releases.Latest())}}
}

// addVersionHeaders names the request header and the response header on every authenticated
// operation of paths.
func addVersionHeaders(paths Doc) {
	for _, item := range paths {
		for _, o := range item.(Doc) {
			op := o.(Doc)
			if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
				continue // public
			}
			params, _ := op["parameters"].([]any)
			op["parameters"] = append(params, Doc{"$ref": versionParamRef})
			for _, rd := range inlineResponses(op) { // the shared Error names it itself
				withVersionHeader(rd)
			}
		}
	}
}

// withVersionHeader names the response header on resp. It is never required: answers made
// before a key is known (API Gateway's, an unknown route) have no version.
func withVersionHeader(resp Doc) Doc { return withHeaderRef(resp, apiversion.Header, versionHeaderRef) }
