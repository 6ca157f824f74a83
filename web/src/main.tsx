/** The web app: one page per user (trader, auditor, oracle, keeper), chosen by the URL's hash. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadConfig, type AppConfig } from "./chain.js";
import { TraderPage } from "./pages/Trader.js";
import { AuditorPage } from "./pages/Auditor.js";
import { OraclePage } from "./pages/Oracle.js";
import { KeeperPage } from "./pages/Keeper.js";
import "./style.css";

const PAGES = { trader: "Trader", auditor: "Auditor", oracle: "Oracle", keeper: "Keeper" } as const;
type Page = keyof typeof PAGES;

const pageOf = (): Page => {
  const p = location.hash.replace(/^#\/?/, "").split("?")[0] as Page;
  return p in PAGES ? p : "trader";
};

function App() {
  const [page, setPage] = useState<Page>(pageOf());
  const [cfg, setCfg] = useState<AppConfig | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const on = () => setPage(pageOf());
    window.addEventListener("hashchange", on);
    loadConfig().then(setCfg, (e: Error) => setError(e.message));
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return (
    <>
      <header>
        <b class="logo">Plimsoll</b>
        <nav>
          {(Object.keys(PAGES) as Page[]).map((p) => <a href={`#/${p}`} class={p === page ? "active" : ""} id={`nav-${p}`}>{PAGES[p]}</a>)}
        </nav>
        {cfg ? <span class="chain">chain {cfg.deployment.chainId}{cfg.deployment.development ? " (development)" : ""}</span> : null}
      </header>
      <main>
        {error ? <p class="error">{error}</p> : cfg === undefined ? <p>loading…</p> : page === "trader" ? <TraderPage cfg={cfg} /> : page === "auditor" ? <AuditorPage cfg={cfg} /> : page === "oracle" ? <OraclePage cfg={cfg} /> : <KeeperPage cfg={cfg} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
