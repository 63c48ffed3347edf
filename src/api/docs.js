// Renders /api/openapi.json as forms that send real requests to this server.
(async function () {
  const main = document.getElementById("endpoints");
  const spec = await (await fetch("/api/openapi.json")).json();
  main.textContent = "";
  let n = 0;
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      n += 1;
      const box = document.createElement("details");
      const summary = document.createElement("summary");
      const verb = document.createElement("span");
      verb.className = "method";
      verb.textContent = method;
      summary.append(verb, " ", path, " — ", op.summary);
      box.append(summary);
      const about = document.createElement("p");
      about.textContent = op.description;
      box.append(about);
      const fields = {};
      for (const param of op.parameters || []) {
        const id = `f${n}-${param.name}`;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = `${param.name} (${param.in})${param.description ? ": " + param.description : ""}`;
        const input = document.createElement("input");
        input.id = id;
        fields[param.name] = { input, where: param.in };
        box.append(label, input);
      }
      let body = null;
      if (op.requestBody) {
        const label = document.createElement("label");
        label.htmlFor = `f${n}-body`;
        label.textContent = "JSON body";
        body = document.createElement("textarea");
        body.id = `f${n}-body`;
        body.value = "{}";
        box.append(label, body);
      }
      const send = document.createElement("button");
      send.type = "button";
      send.textContent = `Send ${method.toUpperCase()} ${path}`;
      const out = document.createElement("pre");
      out.setAttribute("role", "status");
      send.addEventListener("click", async () => {
        let url = "/api" + path;
        const query = new URLSearchParams();
        for (const [name, { input, where }] of Object.entries(fields)) {
          if (where === "path") url = url.replace(`{${name}}`, encodeURIComponent(input.value));
          else if (input.value) query.set(name, input.value);
        }
        if ([...query].length) url += "?" + query;
        const headers = { Accept: "application/json" };
        const token = document.getElementById("token").value.trim();
        if (token) headers.Authorization = `Bearer ${token}`;
        if (body) headers["Content-Type"] = "application/json";
        out.textContent = "…";
        try {
          const res = await fetch(url, { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
          const text = await res.text();
          let shown = text;
          try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) {}
          out.textContent = `${res.status} ${res.statusText}\n${shown}`;
        } catch (err) {
          out.textContent = String(err);
        }
      });
      box.append(send, out);
      main.append(box);
    }
  }
})();
