package urls

import "testing"

func TestBuilders(t *testing.T) {
	for _, public := range []string{"https://roster.example.com", "https://roster.example.com/"} {
		for got, want := range map[string]string{
			DirectoryBase(public, "d1"):            "https://roster.example.com/scim/v2/directories/d1",
			SignIn(public, "o/1", "rosteradm_a b"): "https://roster.example.com/orgs/o%2F1/signin/rosteradm_a%20b",
			Setup(public, "tok"):                   "https://roster.example.com/setup/tok",
			Console(public):                        "https://roster.example.com/",
			AdminAPI(public):                       "https://roster.example.com/api/v1",
		} {
			if got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		}
	}
}
