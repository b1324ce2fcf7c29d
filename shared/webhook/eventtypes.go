package webhook

import (
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/openapi"
	"github.com/hapihub/hapihub/shared/query"
)

// listEventTypes serves GET /event-types: every type an endpoint can subscribe to, with what it
// means and the JSON Schema of its payload. The list is short and the same for every account, so
// it is one page; type=patient.* narrows it.
func (a *API) listEventTypes(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	var patterns []string
	for key, v := range q.All() {
		if key != "type" {
			return api.Response{}, apperr.Field(key, "is not a filter of event types (type)")
		}
		if patterns, err = typePatterns(v); err != nil {
			return api.Response{}, err
		}
	}
	data := []any{}
	for _, info := range hevents.Catalog() {
		if patterns != nil && !hevents.MatchAny(patterns, info.Type) {
			continue
		}
		data = append(data, map[string]any{"object": "event_type", "type": info.Type, "resource": info.Object,
			"description": info.Description, "schema": openapi.EventPayloadSchema(info)})
	}
	return api.Response{Body: map[string]any{"data": data, "total": len(data)},
		Header: map[string]string{"Cache-Control": "private, max-age=300"}}, nil
}
