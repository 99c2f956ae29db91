/* index.html: search box and sortable columns for the table of all sites (the table works without it). */
(function(){var t=document.getElementById('sites');
if(!t)return;

var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);

var box=document.createElement('p'),lab=document.createElement('label'),inp=document.createElement('input');

lab.textContent='Search sites ';
inp.type='search';
inp.id='site-search';
lab.appendChild(inp);
box.appendChild(lab);

var count=document.createElement('span');
count.id='site-count';
count.className='muted';
box.appendChild(count);

t.parentNode.insertBefore(box,t);

function filter(){var q=inp.value.trim().toLowerCase(),n=0;
rows.forEach(function(r){
var on=!q||r.textContent.toLowerCase().indexOf(q)>=0;
r.hidden=!on;
if(on)n++;
});

count.textContent=' '+n+' of '+rows.length+' sites';
}
inp.addEventListener('input',filter);
filter();

Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,col){
var b=document.createElement('button');
b.type='button';
while(th.firstChild)b.appendChild(th.firstChild);
th.appendChild(b);

b.addEventListener('click',function(){var asc=th.getAttribute('aria-sort')!=='ascending';

Array.prototype.forEach.call(t.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');
});

th.setAttribute('aria-sort',asc?'ascending':'descending');
var num=th.dataset.type==='number';

rows.sort(function(a,b){var x=a.cells[col].dataset.sort,y=b.cells[col].dataset.sort,d;

if(num){x=x===''?NaN:+x;
y=y===''?NaN:+y;
if(isNaN(x)&&isNaN(y))d=0;
else if(isNaN(x))return 1;
else if(isNaN(y))return -1;
else d=x-y;
}
else d=x<y?-1:x>y?1:0;
return asc?d:-d;
});
rows.forEach(function(r){body.appendChild(r);
});
});
});
})();
