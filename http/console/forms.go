package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/httperr"
)

// A form mistake (a bad domain, a public mail domain, a short password, a
// name taken) is no error page: the page that holds the form is drawn
// again, with the message beside the field, what was typed kept, and the
// status the mistake calls for (400, 409; 403 for a wrong current
// password). Everything else (not found, the database down) still is an
// error page.

// formState is a form that failed, as its page's template reads it.
type formState struct {
	Name    string // the form, as the template names it
	Field   string // the field the message belongs beside
	Message string
	Status  int
	Values  url.Values
}

// Value is what was typed into field of form, "" when form is not the one
// that failed (f may be nil).
func (f *formState) Value(form, field string) string {
	if f == nil || f.Name != form {
		return ""
	}
	return f.Values.Get(field)
}

// Is reports whether form is the one that failed (f may be nil): its
// fields then show what was typed rather than what is stored.
func (f *formState) Is(form string) bool { return f != nil && f.Name == form }

// Error is the message for field of form, "" when there is none.
func (f *formState) Error(form, field string) string {
	if f == nil || f.Name != form || f.Field != field {
		return ""
	}
	return f.Message
}

type formKey struct{}

func formOf(ctx context.Context) *formState {
	f, _ := ctx.Value(formKey{}).(*formState)
	return f
}

// isFormMistake reports whether err is the person's to fix in the form.
func isFormMistake(err error) bool {
	switch roster.ErrorCodeOf(err) {
	case roster.EInvalid, roster.EConflict:
		return true
	}
	return roster.ReasonOf(err) == roster.ReasonWrongPassword
}

// form runs the POST handler post; when it fails with a form mistake, the
// GET handler get draws the page again with the form's state. field says
// which field an error belongs beside (nil: always defaultField).
func (s *Console) form(name, defaultField string, field func(error) string, get, post page) page {
	return func(w http.ResponseWriter, r *http.Request, a *session) error {
		err := post(w, r, a)
		if err == nil || !isFormMistake(err) {
			return err
		}
		f := &formState{Name: name, Field: defaultField, Message: roster.AsError(err).Detail,
			Status: httperr.Status(roster.ErrorCodeOf(err)), Values: r.PostForm}
		if field == nil {
			field = placedField
		}
		if got := field(err); got != "" {
			f.Field = got
		}
		// Never echo a password back into the page.
		for _, secret := range []string{"password", "current", "confirm"} {
			delete(f.Values, secret)
		}
		return get(w, r.WithContext(context.WithValue(r.Context(), formKey{}, f)), a)
	}
}

// fieldError says which field of a form an error belongs beside.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// inField places err beside field when its form is drawn again.
func inField(field string, err error) error {
	if err == nil {
		return nil
	}
	return &fieldError{field, err}
}

// placedField is the field inField gave err, "" when none.
func placedField(err error) string {
	var f *fieldError
	if errors.As(err, &f) {
		return f.field
	}
	return ""
}

// passwordField places a wrong current password beside "current".
func passwordField(err error) string {
	if roster.ReasonOf(err) == roster.ReasonWrongPassword {
		return "current"
	}
	return placedField(err)
}
