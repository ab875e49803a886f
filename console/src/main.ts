/** The clinic console's entry: mounts the app once the page is parsed. */
const main = document.getElementById("main");
if (main) main.textContent = "Console loading…";
