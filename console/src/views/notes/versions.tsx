/** The versions of a finalized note, newest first, each with its text. */
import { api } from "../../api";
import { fmt } from "../../ui";
import { Loading, useLoad } from "../../view";

export function Versions(props: {
  noteId: string;
  changed: string;
  sectionName: (id: string) => string;
}) {
  const versions = useLoad(
    () =>
      api.GET("/api/v1/clinical-notes/{id}/versions", { params: { path: { id: props.noteId } } }),
    [props.noteId, props.changed],
  );
  return (
    <section aria-labelledby="versions-title" class="versions">
      <h3 id="versions-title">Versions</h3>
      <Loading loaded={versions}>
        {(list) =>
          list.length ? (
            <ol class="list" id="versions">
              {list.map((v) => (
                <li data-version={v.version}>
                  <details>
                    <summary>
                      Version {v.version} ({v.reason}), {fmt.date(v.created_at)}
                    </summary>
                    <dl>
                      {Object.entries(v.sections).map(([id, text]) => (
                        <>
                          <dt>{props.sectionName(id)}</dt>
                          <dd>{text || "(empty)"}</dd>
                        </>
                      ))}
                    </dl>
                  </details>
                </li>
              ))}
            </ol>
          ) : (
            <p>No versions yet.</p>
          )
        }
      </Loading>
    </section>
  );
}
